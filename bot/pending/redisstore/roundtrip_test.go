package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// trips counts the round trips a client makes: each command or pipeline
// sent (a NOSCRIPT retry would count twice).
type trips struct{ n atomic.Int64 }

func (h *trips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// count returns how many round trips fn made.
func (h *trips) count(fn func()) int64 {
	before := h.n.Load()
	fn()
	return h.n.Load() - before
}

func TestRoundTripsOfACommandAndAClick(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	h := &trips{}
	c.AddHook(h)
	s := redisstore.New(c, prefix())
	// Load the scripts first, as any earlier request would.
	warm := rec(alice, time.Hour)
	_ = s.Put(ctx, warm, pending.Limits{})
	_, _ = s.Settle(ctx, warm.Token, confirm(alice, t0.Add(time.Minute)))

	_ = s.PutChecked(ctx, rec(alice, time.Hour), pending.Limits{}, pending.Replay{Key: "warm", TTL: time.Minute})

	// A request that stores nothing (a refusal, a dry run, whoami): the
	// replay check alone. (help makes none: it is not checked.)
	if n := h.count(func() { _, _ = s.SeenOnce(ctx, "slack-sig:abc", time.Minute) }); n != 1 {
		t.Errorf("the replay check took %d round trips, want 1", n)
	}
	// A destructive command: its replay check, the caps and the record.
	r := rec(alice, time.Hour)
	if n := h.count(func() {
		if err := s.PutChecked(ctx, r, pending.Limits{PerUser: 20, Total: 100}, pending.Replay{Key: "slack-sig:def", TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("a command (replay check, caps and record) took %d round trips, want 1", n)
	}
	// The click: its replay check rides with the read for the policy
	// recheck; then the Confirm and the run record are one write on that
	// read.
	if n := h.count(func() {
		seen, err := s.GetChecked(ctx, r.Token, pending.Replay{Key: "slack-sig:ghi", TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		m := confirm(alice, t0.Add(time.Minute))
		m.Seen = &seen
		if _, started, err := s.SettleRun(ctx, r.Token, m, time.Minute); err != nil || !started {
			t.Fatalf("SettleRun: %v %v", started, err)
		}
	}); n != 2 {
		t.Errorf("a click (replay check and read, Confirm and run record) took %d round trips, want 2", n)
	}
	// A replay of either is refused in one round trip, and writes nothing.
	if n := h.count(func() {
		if err := s.PutChecked(ctx, rec(alice, time.Hour), pending.Limits{}, pending.Replay{Key: "slack-sig:def", TTL: time.Minute}); !errors.Is(err, pending.ErrReplay) {
			t.Errorf("a replayed command: %v, want ErrReplay", err)
		}
	}); n != 1 {
		t.Errorf("a replayed command took %d round trips, want 1", n)
	}
	// Without a read to judge on, Settle reads for itself: two.
	r2 := rec(alice, time.Hour)
	_ = s.Put(ctx, r2, pending.Limits{})
	if n := h.count(func() { _, _ = s.Settle(ctx, r2.Token, confirm(alice, t0.Add(time.Minute))) }); n != 2 {
		t.Errorf("a Settle without Seen took %d round trips, want 2", n)
	}
}

// TestConcurrentReplayChecksInSharedPipelines: 64 replay checks at once,
// which share pipelines, still find each key first exactly once. (How few
// round trips they take depends on scheduling: logged, not asserted.)
func TestConcurrentReplayChecksInSharedPipelines(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	h := &trips{}
	c.AddHook(h)
	s := redisstore.New(c, prefix())
	var firsts atomic.Int64
	n := h.count(func() {
		done := make(chan struct{})
		for i := 0; i < 64; i++ { // more callers than lanes: some wait, some lead
			go func() {
				defer func() { done <- struct{}{} }()
				ok, err := s.SeenOnce(ctx, "sig-"+strconv.Itoa(i%32), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					firsts.Add(1)
				}
			}()
		}
		for i := 0; i < 64; i++ {
			<-done
		}
	})
	if firsts.Load() != 32 {
		t.Errorf("%d keys were first, want 32 (64 checks of 32 keys)", firsts.Load())
	}
	t.Logf("64 concurrent replay checks took %d round trips", n)
	// Many more, in waves, over fresh keys: every call returns, each key is
	// first once (a lost hand-off would hang here, a doubled one panic).
	for wave := 0; wave < 3; wave++ {
		var firsts atomic.Int64
		done := make(chan struct{})
		for i := 0; i < 600; i++ {
			go func() {
				defer func() { done <- struct{}{} }()
				if ok, err := s.SeenOnce(ctx, "wave-"+strconv.Itoa(wave)+"-"+strconv.Itoa(i%150), time.Minute); err != nil {
					t.Error(err)
				} else if ok {
					firsts.Add(1)
				}
			}()
		}
		for i := 0; i < 600; i++ {
			<-done
		}
		if firsts.Load() != 150 {
			t.Errorf("wave %d: %d keys were first, want 150", wave, firsts.Load())
		}
	}
}
