// Package pendingtest is the conformance suite every pending.Store must
// pass: single use under concurrency, the requester check, expiry (once,
// whoever asks), cancel, approval, limits and the memory of settled tokens.
package pendingtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
)

var (
	alice = commands.Caller{Platform: "slack", UserID: "U-ALICE", Name: "alice"}
	bob   = commands.Caller{Platform: "slack", UserID: "U-BOB", Name: "bob"}
	// carol has alice's user ID on another platform: a different person.
	carol = commands.Caller{Platform: "discord", UserID: "U-ALICE", Name: "carol"}
)

var start = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

var tokens atomic.Int64

func record(who commands.Caller, ttl time.Duration) pending.Record {
	return pending.Record{
		Token: fmt.Sprintf("tok-%d-%d", time.Now().UnixNano(), tokens.Add(1)), Words: []string{"delete", "inc-1", "inc-2"},
		Requester: who, Channel: "C-WAR", Message: "https://hooks.example/resp", Count: 2,
		CreatedAt: start, ExpiresAt: start.Add(ttl),
	}
}

func confirm(by commands.Caller, at time.Time) pending.Move {
	return pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, By: by, At: at, RequesterOnly: true}
}

func cancel(by commands.Caller, at time.Time) pending.Move {
	return pending.Move{From: []pending.State{pending.Pending, pending.AwaitingApproval}, To: pending.Cancelled, By: by, At: at, RequesterOnly: true}
}

// Run runs the suite against stores made by newStore; each subtest gets a
// fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) pending.Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		r.Roles = []string{"41771983423143936", "5566"} // a Discord member's roles: the policy is asked again with them at Confirm
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, r.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != pending.Pending || got.Requester != alice || got.Channel != "C-WAR" || got.Message != r.Message ||
			fmt.Sprint(got.Words) != fmt.Sprint(r.Words) || got.Count != 2 || !got.ExpiresAt.Equal(r.ExpiresAt) || !got.CreatedAt.Equal(r.CreatedAt) ||
			fmt.Sprint(got.Roles) != fmt.Sprint(r.Roles) {
			t.Fatalf("stored %+v, read back %+v", r, got)
		}
		if _, err := s.Get(ctx, "never-issued"); !errors.Is(err, pending.ErrUnknownToken) {
			t.Fatalf("unknown token: err = %v", err)
		}
		if _, err := s.Settle(ctx, "never-issued", confirm(alice, start)); !errors.Is(err, pending.ErrUnknownToken) {
			t.Fatalf("unknown token settled: err = %v", err)
		}
	})

	t.Run("SingleUseUnderConcurrency", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		const clicks = 100
		var won, settled atomic.Int32
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := 0; i < clicks; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-gate
				m := confirm(alice, start.Add(time.Second))
				if i%2 == 1 {
					m = cancel(alice, start.Add(time.Second))
				}
				_, err := s.Settle(ctx, r.Token, m)
				var se *pending.SettledError
				switch {
				case err == nil:
					won.Add(1)
				case errors.As(err, &se):
					settled.Add(1)
				default:
					t.Errorf("click %d: %v", i, err)
				}
			}(i)
		}
		close(gate)
		wg.Wait()
		if won.Load() != 1 || settled.Load() != clicks-1 {
			t.Fatalf("%d clicks: %d moved it, %d were told it was settled; want exactly 1 move", clicks, won.Load(), settled.Load())
		}
	})

	t.Run("OnlyTheRequester", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		_ = s.Put(ctx, r, pending.Limits{})
		for _, who := range []commands.Caller{bob, carol} {
			if _, err := s.Settle(ctx, r.Token, confirm(who, start)); !errors.Is(err, pending.ErrNotRequester) {
				t.Fatalf("%s confirmed alice's action: err = %v", who.Name, err)
			}
			if _, err := s.Settle(ctx, r.Token, cancel(who, start)); !errors.Is(err, pending.ErrNotRequester) {
				t.Fatalf("%s cancelled alice's action: err = %v", who.Name, err)
			}
		}
		got, err := s.Settle(ctx, r.Token, confirm(alice, start.Add(time.Second)))
		if err != nil || got.State != pending.Confirmed || got.ConfirmedBy != alice {
			t.Fatalf("alice's own confirm after refusals: %+v, %v", got, err)
		}
	})

	t.Run("SettledTokensAreRemembered", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		_ = s.Put(ctx, r, pending.Limits{})
		at := start.Add(10 * time.Second)
		if _, err := s.Settle(ctx, r.Token, cancel(alice, at)); err != nil {
			t.Fatal(err)
		}
		_, err := s.Settle(ctx, r.Token, confirm(alice, at.Add(time.Second)))
		var se *pending.SettledError
		if !errors.As(err, &se) || se.State != pending.Cancelled || se.By != alice || !se.At.Equal(at) || se.Now {
			t.Fatalf("confirm after cancel: err = %#v", err)
		}
		// The late answer outlives the expiry sweep.
		if _, err := s.Expire(ctx, start.Add(2*time.Minute), 100); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, r.Token); err != nil || got.State != pending.Cancelled {
			t.Fatalf("a settled token was forgotten within its retention: %+v, %v", got, err)
		}
	})

	t.Run("ExpiryAtTheDeadline", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		_ = s.Put(ctx, r, pending.Limits{})
		if _, err := s.Settle(ctx, r.Token, confirm(alice, r.ExpiresAt.Add(-time.Millisecond))); err != nil {
			t.Fatalf("a click just before the deadline was refused: %v", err)
		}
		r2 := record(alice, time.Minute)
		_ = s.Put(ctx, r2, pending.Limits{})
		_, err := s.Settle(ctx, r2.Token, confirm(alice, r2.ExpiresAt))
		var se *pending.SettledError
		if !errors.As(err, &se) || se.State != pending.Expired || !se.Now {
			t.Fatalf("a click at the deadline: err = %#v", err)
		}
		_, err = s.Settle(ctx, r2.Token, confirm(alice, r2.ExpiresAt.Add(time.Second)))
		if !errors.As(err, &se) || se.State != pending.Expired || se.Now {
			t.Fatalf("a second late click: err = %#v", err)
		}
		if got, _ := s.Expire(ctx, r2.ExpiresAt.Add(time.Minute), 100); len(got) != 0 {
			t.Fatalf("an action expired by a click was expired again by the sweep: %d", len(got))
		}
	})

	t.Run("ExpireReturnsEachOnceAcrossCallers", func(t *testing.T) {
		s := newStore(t)
		const n = 50
		for i := 0; i < n; i++ {
			r := record(alice, time.Duration(i+1)*time.Second)
			if err := s.Put(ctx, r, pending.Limits{}); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.Expire(ctx, start, 100); len(got) != 0 {
			t.Fatalf("expired %d before any deadline", len(got))
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					got, err := s.Expire(ctx, start.Add(time.Hour), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) > 7 {
						t.Errorf("Expire returned %d, more than asked", len(got))
					}
					mu.Lock()
					for _, r := range got {
						if r.State != pending.Expired {
							t.Errorf("expired record in state %s", r.State)
						}
						seen[r.Token]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("%d of %d expiries were reported", len(seen), n)
		}
		for tok, c := range seen {
			if c != 1 {
				t.Fatalf("%s was reported %d times", tok, c)
			}
		}
		if open, _ := s.Stats(ctx); open != 0 {
			t.Fatalf("%d still open after every deadline passed", open)
		}
	})

	t.Run("Approval", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		_ = s.Put(ctx, r, pending.Limits{})
		toApproval := pending.Move{From: []pending.State{pending.Pending}, To: pending.AwaitingApproval, By: alice, At: start, RequesterOnly: true}
		if _, err := s.Settle(ctx, r.Token, toApproval); err != nil {
			t.Fatal(err)
		}
		approve := func(by commands.Caller) pending.Move {
			return pending.Move{From: []pending.State{pending.AwaitingApproval}, To: pending.Confirmed, By: by, At: start.Add(time.Second), NotRequester: true}
		}
		if _, err := s.Settle(ctx, r.Token, approve(alice)); !errors.Is(err, pending.ErrRequester) {
			t.Fatalf("the requester approved their own action: %v", err)
		}
		if _, err := s.Settle(ctx, r.Token, confirm(alice, start.Add(time.Second))); err == nil {
			t.Fatal("a second Confirm moved an action awaiting approval")
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got, err := s.Settle(ctx, r.Token, approve(bob)); err == nil {
					won.Add(1)
					if got.ConfirmedBy != alice || got.SettledBy != bob || got.State != pending.Confirmed {
						t.Errorf("approved record: %+v", got)
					}
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d approvals went through, want 1", won.Load())
		}
		if open, _ := s.Stats(ctx); open != 0 {
			t.Fatalf("open = %d after approval", open)
		}
	})

	t.Run("ConfirmWithApproversAwaitsApproval", func(t *testing.T) {
		s := newStore(t)
		r := record(alice, time.Minute)
		r.Approvers = []string{"slack:group:S0SECOPS"}
		_ = s.Put(ctx, r, pending.Limits{})
		got, err := s.Settle(ctx, r.Token, confirm(alice, start))
		if err != nil || got.State != pending.AwaitingApproval || got.ConfirmedBy != alice || fmt.Sprint(got.Approvers) != "[slack:group:S0SECOPS]" {
			t.Fatalf("confirm of an action needing approval: %+v, %v", got, err)
		}
		if open, _ := s.Stats(ctx); open != 1 {
			t.Fatalf("an action awaiting approval is not counted open: %d", open)
		}
		// The wait for approval ends at the same deadline.
		expired, _ := s.Expire(ctx, r.ExpiresAt, 10)
		if len(expired) != 1 || expired[0].State != pending.Expired || expired[0].ConfirmedBy != alice {
			t.Fatalf("expiry while awaiting approval: %+v", expired)
		}
	})

	t.Run("Limits", func(t *testing.T) {
		s := newStore(t)
		l := pending.Limits{PerUser: 3, Total: 5}
		var puts []pending.Record
		for i := 0; i < 3; i++ {
			r := record(alice, time.Minute)
			if err := s.Put(ctx, r, l); err != nil {
				t.Fatalf("put %d: %v", i, err)
			}
			puts = append(puts, r)
		}
		over := record(alice, time.Minute)
		err := s.Put(ctx, over, l)
		var tm *pending.TooManyError
		if !errors.As(err, &tm) || !tm.User || tm.Limit != 3 || tm.Open != 3 {
			t.Fatalf("alice's fourth: err = %#v", err)
		}
		if _, err := s.Get(ctx, over.Token); !errors.Is(err, pending.ErrUnknownToken) {
			t.Fatal("a refused confirmation was stored")
		}
		// Settling one frees a place.
		if _, err := s.Settle(ctx, puts[0].Token, cancel(alice, start)); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, record(alice, time.Minute), l); err != nil {
			t.Fatalf("after a cancel: %v", err)
		}
		for i := 0; i < 2; i++ {
			if err := s.Put(ctx, record(bob, time.Minute), l); err != nil {
				t.Fatalf("bob %d: %v", i, err)
			}
		}
		err = s.Put(ctx, record(carol, time.Minute), l)
		if !errors.As(err, &tm) || tm.User || tm.Limit != 5 {
			t.Fatalf("past the total: err = %#v", err)
		}
		if open, _ := s.Stats(ctx); open != 5 {
			t.Fatalf("open = %d, want 5", open)
		}
	})
	runSeen(t, newStore)
}
