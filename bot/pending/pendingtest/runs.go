package pendingtest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// RunValues runs the suite of pending.Values against what newValues makes.
func RunValues(t *testing.T, newValues func(t *testing.T) pending.Values) {
	ctx := context.Background()
	t.Run("ClaimOnceThenReadTheValue", func(t *testing.T) {
		v := newValues(t)
		var first atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := v.Claim(ctx, "create:alice:abc", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					first.Add(1)
				}
			}()
		}
		wg.Wait()
		if first.Load() != 1 {
			t.Fatalf("%d claims succeeded, want 1", first.Load())
		}
		if err := v.Set(ctx, "create:alice:abc", "IM42", time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, got, err := v.Claim(ctx, "create:alice:abc", time.Minute); ok || got != "IM42" || err != nil {
			t.Fatalf("claim after set: %v %q %v", ok, got, err)
		}
	})
	t.Run("TakeOnce", func(t *testing.T) {
		v := newValues(t)
		_ = v.Set(ctx, "form:1", `{"level":"p1"}`, time.Minute)
		got, ok, err := v.Take(ctx, "form:1")
		if !ok || got != `{"level":"p1"}` || err != nil {
			t.Fatalf("take: %q %v %v", got, ok, err)
		}
		if _, ok, _ := v.Take(ctx, "form:1"); ok {
			t.Fatal("a value was taken twice")
		}
		if _, ok, _ := v.Take(ctx, "never"); ok {
			t.Fatal("a value that was never set was taken")
		}
	})
}

// RunRuns runs the suite of pending.Runs against what newRuns makes. Leases
// are judged by the store's own clock, so it waits on the real clock for
// them to lapse (about a second in all).
func RunRuns(t *testing.T, newRuns func(t *testing.T) pending.Runs) {
	ctx := context.Background()
	t.Run("OrphansAreClaimedOnce", func(t *testing.T) {
		runs := newRuns(t)
		lapsed, alive, done := record(alice, time.Minute), record(alice, time.Minute), record(bob, time.Minute)
		if err := runs.Start(ctx, lapsed, 150*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		for _, r := range []pending.Record{alive, done} {
			if err := runs.Start(ctx, r, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if err := runs.Finish(ctx, done.Token); err != nil {
			t.Fatal(err)
		}
		if got, _ := runs.Orphans(ctx, 10); len(got) != 0 {
			t.Fatalf("orphans before any lease lapsed: %d", len(got))
		}
		time.Sleep(400 * time.Millisecond)
		var mu sync.Mutex
		var claimed []pending.Record
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := runs.Orphans(ctx, 10)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				claimed = append(claimed, got...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(claimed) != 1 || claimed[0].Token != lapsed.Token || claimed[0].Requester != alice || claimed[0].Message != lapsed.Message {
			t.Fatalf("claimed %+v; want only the lapsed run, once", claimed)
		}
		if ok, _ := runs.Renew(ctx, lapsed.Token, time.Hour); ok {
			t.Fatal("a claimed orphan's lease was renewed")
		}
		// A renewed lease keeps its run alive; a shortened one lets it go.
		if ok, err := runs.Renew(ctx, alive.Token, 150*time.Millisecond); !ok || err != nil {
			t.Fatalf("renew: %v %v", ok, err)
		}
		if got, _ := runs.Orphans(ctx, 10); len(got) != 0 {
			t.Fatalf("a freshly renewed run was claimed: %+v", got)
		}
		time.Sleep(400 * time.Millisecond)
		if got, _ := runs.Orphans(ctx, 10); len(got) != 1 || got[0].Token != alive.Token {
			t.Fatalf("the run after its renewed lease lapsed: %+v", got)
		}
	})
}

// RunRunSettler runs the suite of pending.RunSettler against stores that
// are both the confirmations and the Runs (as the bot uses them).
func RunRunSettler(t *testing.T, newStore func(t *testing.T) (pending.Store, pending.RunSettler, pending.Runs)) {
	ctx := context.Background()
	t.Run("AConfirmRecordsItsRunOnce", func(t *testing.T) {
		store, rs, runs := newStore(t)
		r := record(alice, time.Hour)
		if err := store.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		var started atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, ok, err := rs.SettleRun(ctx, r.Token, confirm(alice, start.Add(time.Minute)), 150*time.Millisecond)
				if err == nil && ok && got.State == pending.Confirmed {
					started.Add(1)
				}
				if ok && err != nil {
					t.Errorf("started a run and refused the click: %v", err)
				}
			}()
		}
		wg.Wait()
		if started.Load() != 1 {
			t.Fatalf("%d of 20 concurrent Confirms started a run, want 1", started.Load())
		}
		// The run record lives under its lease: renewed, it stays; lapsed,
		// it is an orphan with the requester's message.
		if ok, err := runs.Renew(ctx, r.Token, 150*time.Millisecond); !ok || err != nil {
			t.Fatalf("renewing the run a Confirm started: %v %v", ok, err)
		}
		time.Sleep(400 * time.Millisecond)
		got, err := runs.Orphans(ctx, 10)
		if err != nil || len(got) != 1 || got[0].Token != r.Token || got[0].Message != r.Message || got[0].State != pending.Confirmed {
			t.Fatalf("orphans after the lease lapsed: %+v, %v", got, err)
		}
	})
	t.Run("OnlyAConfirmStartsARun", func(t *testing.T) {
		store, rs, runs := newStore(t)
		cancelled, refused, approval := record(alice, time.Hour), record(alice, time.Hour), record(alice, time.Hour)
		approval.Approvers = []string{"bob"}
		for _, r := range []pending.Record{cancelled, refused, approval} {
			if err := store.Put(ctx, r, pending.Limits{}); err != nil {
				t.Fatal(err)
			}
		}
		at := start.Add(time.Minute)
		if _, ok, err := rs.SettleRun(ctx, cancelled.Token, cancel(alice, at), time.Millisecond); ok || err != nil {
			t.Fatalf("a Cancel: started %v, %v", ok, err)
		}
		if _, ok, err := rs.SettleRun(ctx, refused.Token, confirm(bob, at), time.Millisecond); ok || err != pending.ErrNotRequester {
			t.Fatalf("someone else's Confirm: started %v, %v", ok, err)
		}
		if got, ok, err := rs.SettleRun(ctx, approval.Token, confirm(alice, at), time.Millisecond); ok || err != nil || got.State != pending.AwaitingApproval {
			t.Fatalf("a Confirm that waits for approval: %v, started %v, %v", got.State, ok, err)
		}
		time.Sleep(50 * time.Millisecond)
		if got, err := runs.Orphans(ctx, 10); len(got) != 0 || err != nil {
			t.Fatalf("runs recorded without a run: %+v, %v", got, err)
		}
	})
}
