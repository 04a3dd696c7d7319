package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// Of several replicas sharing Redis, one holds Discord's gateway at a
// time; when it stops, another takes over.
func TestOneReplicaHoldsTheGateway(t *testing.T) {
	srv := redistest.Start(t)
	gatewayLeaseTTL, gatewayLeaseRenew = 600*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { gatewayLeaseTTL, gatewayLeaseRenew = 15*time.Second, 5*time.Second })

	var running, most atomic.Int32
	var holder atomic.Int32 // 1 + the index of the replica holding it
	runAs := func(i int) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			holder.Store(int32(i + 1))
			<-ctx.Done()
			running.Add(-1)
			return nil
		}
	}
	var wg sync.WaitGroup
	cancels := make([]context.CancelFunc, 3)
	for i := range cancels {
		client, err := redisstore.Open(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		st := &state{leases: redisstore.New(client, "gw-test"), shared: true}
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = holdGateway(ctx, st, slog.New(slog.DiscardHandler), runAs(i))
		}()
	}
	waitFor(t, func() bool { return running.Load() == 1 })
	time.Sleep(500 * time.Millisecond) // several renewals
	if most.Load() != 1 {
		t.Fatalf("%d replicas held the gateway at once", most.Load())
	}
	// The holder stops: another replica takes over.
	first := holder.Load()
	cancels[first-1]()
	waitFor(t, func() bool { return running.Load() == 1 && holder.Load() != first })
	for _, c := range cancels {
		c()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d replicas held the gateway at once", most.Load())
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
