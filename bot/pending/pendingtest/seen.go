package pendingtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// runSeen checks Move.Seen: a record the caller read may spare the store
// a read, but never makes a move the stored record would refuse.
func runSeen(t *testing.T, newStore func(t *testing.T) pending.Store) {
	ctx := context.Background()
	t.Run("AConfirmOnAFreshReadMoves", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Hour)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		seen, err := s.Get(ctx, r.Token)
		if err != nil {
			t.Fatal(err)
		}
		m := confirm(alice, start.Add(time.Minute))
		m.Seen = &seen
		if got, err := s.Settle(ctx, r.Token, m); err != nil || got.State != pending.Confirmed || got.Message != r.Message {
			t.Fatalf("Confirm with a fresh read: %v %v", got.State, err)
		}
		if n, _ := s.Stats(ctx); n != 0 {
			t.Fatalf("%d open after the Confirm, want 0", n)
		}
	})
	t.Run("AConfirmOnAStaleReadIsJudgedOnTheStoredRecord", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Hour)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		seen, err := s.Get(ctx, r.Token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Settle(ctx, r.Token, cancel(alice, start.Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		m := confirm(alice, start.Add(2*time.Minute))
		m.Seen = &seen // still says Pending
		var settled *pending.SettledError
		if got, err := s.Settle(ctx, r.Token, m); !errors.As(err, &settled) || settled.State != pending.Cancelled {
			t.Fatalf("Confirm on a read from before a Cancel: %v, %v; want refused as cancelled", got.State, err)
		}
		got, err := s.Get(ctx, r.Token)
		if err != nil || got.State != pending.Cancelled {
			t.Fatalf("after: %v %v", got.State, err)
		}
	})
}
