package pendingtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// Replays is a store that checks replay keys with its first operation,
// and the OnceSet whose keys it checks.
type Replays interface {
	pending.Store
	pending.ReplayChecker
	pending.OnceSet
}

// RunReplays runs the suite of pending.ReplayChecker against what newStore
// makes; each subtest gets a fresh, empty one.
func RunReplays(t *testing.T, newStore func(t *testing.T) Replays) {
	ctx := context.Background()
	rp := func(key string) pending.Replay { return pending.Replay{Key: key, TTL: time.Minute} }

	t.Run("APutWithANewKeyStoresAndTheSameKeyAgainStoresNothing", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Hour)
		if err := s.PutChecked(ctx, r, pending.Limits{}, rp("sig-1")); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, r.Token); err != nil || got.State != pending.Pending {
			t.Fatalf("the first request's confirmation: %v %v", got.State, err)
		}
		again := record(alice, time.Hour) // the replayed request makes a new token
		if err := s.PutChecked(ctx, again, pending.Limits{}, rp("sig-1")); !errors.Is(err, pending.ErrReplay) {
			t.Fatalf("a replayed Put: %v, want ErrReplay", err)
		}
		if _, err := s.Get(ctx, again.Token); !errors.Is(err, pending.ErrUnknownToken) {
			t.Fatalf("the replay's confirmation was stored: %v", err)
		}
		if n, _ := s.Stats(ctx); n != 1 {
			t.Fatalf("%d open confirmations, want 1: a replay holds no place under the caps", n)
		}
	})
	t.Run("ARefusedPutStillSetsItsKey", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, record(alice, time.Hour), pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		var tooMany *pending.TooManyError
		if err := s.PutChecked(ctx, record(alice, time.Hour), pending.Limits{PerUser: 1}, rp("sig-2")); !errors.As(err, &tooMany) {
			t.Fatalf("a Put past the cap: %v, want TooManyError", err)
		}
		if first, err := s.SeenOnce(ctx, "sig-2", time.Minute); err != nil || first {
			t.Fatalf("after a refused Put its key is first again: %v %v", first, err)
		}
	})
	t.Run("KeysAreSharedWithSeenOnce", func(t *testing.T) {
		s := newStore(t)
		if first, err := s.SeenOnce(ctx, "sig-3", time.Minute); err != nil || !first {
			t.Fatalf("SeenOnce: %v %v", first, err)
		}
		r := record(alice, time.Hour)
		if err := s.PutChecked(ctx, r, pending.Limits{}, rp("sig-3")); !errors.Is(err, pending.ErrReplay) {
			t.Fatalf("a Put with a key SeenOnce set: %v, want ErrReplay", err)
		}
		if _, err := s.GetChecked(ctx, r.Token, rp("sig-3")); !errors.Is(err, pending.ErrReplay) {
			t.Fatalf("a Get with a key SeenOnce set: %v, want ErrReplay", err)
		}
		if err := s.PutChecked(ctx, r, pending.Limits{}, rp("sig-4")); err != nil {
			t.Fatal(err)
		}
		if first, err := s.SeenOnce(ctx, "sig-4", time.Minute); err != nil || first {
			t.Fatalf("SeenOnce of a key a Put set: %v %v, want not first", first, err)
		}
	})
	t.Run("AGetWithANewKeyReadsAndTheSameKeyAgainReadsNothing", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Hour)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetChecked(ctx, r.Token, rp("click-1"))
		if err != nil || got.Token != r.Token || got.Message != r.Message || got.State != pending.Pending {
			t.Fatalf("the first click's read: %+v %v", got, err)
		}
		if got, err := s.GetChecked(ctx, r.Token, rp("click-1")); !errors.Is(err, pending.ErrReplay) || got.Token != "" {
			t.Fatalf("a replayed click's read: %q %v, want no record and ErrReplay", got.Token, err)
		}
		if _, err := s.GetChecked(ctx, "no-such-token", rp("click-2")); !errors.Is(err, pending.ErrUnknownToken) {
			t.Fatalf("a read of an unknown token: %v, want ErrUnknownToken", err)
		}
		if _, err := s.GetChecked(ctx, "no-such-token", rp("click-2")); !errors.Is(err, pending.ErrReplay) {
			t.Fatalf("the same click again on an unknown token: %v, want ErrReplay", err)
		}
	})
	t.Run("AKeyLapses", func(t *testing.T) {
		s := newStore(t)
		short := pending.Replay{Key: "sig-5", TTL: 200 * time.Millisecond}
		if err := s.PutChecked(ctx, record(alice, time.Hour), pending.Limits{}, short); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		if err := s.PutChecked(ctx, record(alice, time.Hour), pending.Limits{}, short); err != nil {
			t.Fatalf("a Put after its key lapsed: %v", err)
		}
	})
}
