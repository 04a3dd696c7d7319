package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// state is where confirmations, running actions, replay and
// de-duplication keys and leases live (the store checks the replay keys
// of commands and clicks in once): this process's memory by default,
// Redis (shared by every replica) when INCIDENTBOT_REDIS_URL is set.
type state struct {
	store  pending.Store
	runs   pending.Runs
	values pending.Values
	once   pending.OnceSet
	leases pending.Leases
	// cache keeps vendor look-ups; nil: in this process.
	cache lookup.Cache
	// shared is true on Redis: a restart forgets nothing, and several
	// replicas see the same confirmations.
	shared bool
	// ping says whether the shared store answers (nil in memory).
	ping  func(ctx context.Context) error
	close func()
}

// redisPrefix starts every key the bot writes to Redis.
const redisPrefix = "incidentbot"

func openState(cfg *config.Config, logger *slog.Logger) (*state, error) {
	if cfg.RedisURL == "" {
		runs, shared := pending.NewMemoryRuns(nil), pending.NewMemoryShared(nil)
		return &state{store: pending.NewMemory().CheckReplaysIn(shared), runs: runs, values: runs, once: shared, leases: shared, close: func() {}}, nil
	}
	s, client, err := redisstore.OpenStore(cfg.RedisURL, redisPrefix)
	if err != nil {
		return nil, fmt.Errorf("INCIDENTBOT_REDIS_URL: %w", err)
	}
	redis.SetLogger(redisLog{logger})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = s.Ping(ctx)
	if errors.Is(err, redisstore.ErrTooOld) {
		_ = client.Close()
		return nil, fmt.Errorf("INCIDENTBOT_REDIS_URL: %w", err)
	}
	if err != nil {
		// Start anyway: readiness says not ready, destructive commands are
		// refused, and everything works once Redis answers.
		logger.Error("redis is not usable yet (down, or refusing the bot's commands); destructive commands are refused until it is", "error", err)
	} else {
		logger.Info("state: confirmations and running actions are kept in Redis, shared by every replica",
			"wait_replicas", s.WaitReplicas())
	}
	return &state{store: s, runs: s, values: s, once: s, leases: s, shared: true, ping: s.Ping,
		cache: redisstore.NewLookupCache(client, redisPrefix), close: func() { _ = client.Close() }}, nil
}

// sharedStateGCPercent is the garbage collector's target when the state
// is in Redis. The process then keeps no confirmations, so its live heap
// stays small (about 15 MB under load), and at Go's default of 100 the
// collector runs every few megabytes allocated: dozens of times a second
// under load, for little. At 400 the heap may grow to five times the
// live data between collections. Measured with a delete of 50 IDs from
// 32 clients on a real redis-server (two alternating pairs): the bot's
// CPU per command 150 and 161 -> 139 and 140 µs, its RSS 35 -> 56 MB,
// and beside the floor in one run 0.47 -> 0.53 and 0.50 -> 0.54 of it. In
// memory the live heap holds every open confirmation, and the default
// stays.
const sharedStateGCPercent = 400

// lessEagerGC sets sharedStateGCPercent, unless the operator chose GOGC
// (GOMEMLIMIT, when set, still bounds the heap), and returns what puts the
// previous target back (run's callers in tests share one process).
func lessEagerGC(getenv func(string) string, logger *slog.Logger) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	previous := debug.SetGCPercent(sharedStateGCPercent)
	logger.Debug("state in Redis: the garbage collector's target is raised (set GOGC to choose another)", "gogc", sharedStateGCPercent)
	return func() { debug.SetGCPercent(previous) }
}

// redisLog sends go-redis's own messages (reconnects) to our log instead of
// standard error.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
