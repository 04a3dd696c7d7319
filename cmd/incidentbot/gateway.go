package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"time"
)

// gatewayLease names the lease of the one replica that holds Discord's
// gateway: every connected session would be sent every interaction, and
// two replicas would answer each one twice.
const gatewayLease = "discord-gateway"

// The lease's lifetime and renewal period (variables so tests can shorten them).
var (
	gatewayLeaseTTL   = 15 * time.Second
	gatewayLeaseRenew = 5 * time.Second
)

// holdGateway runs the gateway only while this process holds the lease,
// renewing it; the other replicas wait and take over if the holder stops
// renewing. With the in-memory state it simply runs the gateway.
func holdGateway(ctx context.Context, st *state, logger *slog.Logger, run func(ctx context.Context) error) error {
	if !st.shared {
		return run(ctx)
	}
	holder := replicaName()
	defer func() { _ = st.leases.Release(context.WithoutCancel(ctx), gatewayLease, holder) }()
	for {
		held, err := st.leases.Lease(ctx, gatewayLease, holder, gatewayLeaseTTL)
		if err != nil {
			logger.Warn("discord: cannot take the gateway lease", "error", err)
		}
		if held {
			logger.Info("discord: this replica holds the gateway", "holder", holder)
			if err := runHeld(ctx, st, holder, logger, run); err != nil {
				return err
			}
			logger.Warn("discord: gave up the gateway: the lease was lost", "holder", holder)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(gatewayLeaseRenew):
		}
	}
}

// runHeld runs the gateway until ctx is done or the lease cannot be renewed.
func runHeld(ctx context.Context, st *state, holder string, logger *slog.Logger, run func(ctx context.Context) error) error {
	heldCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- run(heldCtx) }()
	t := time.NewTicker(gatewayLeaseRenew)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-t.C:
			held, err := st.leases.Lease(ctx, gatewayLease, holder, gatewayLeaseTTL)
			if err != nil || !held {
				logger.Warn("discord: renewing the gateway lease failed", "error", err, "held", held)
				stop()
				<-done
				return nil
			}
		}
	}
}

func replicaName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "/" + hex.EncodeToString(b[:])
}
