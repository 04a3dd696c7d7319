package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// A Confirm made late in a click's budget, with less time left than the
// WAIT for replicas takes, is either made durably or refused and taken
// back: never written with its caller told the store failed, which would
// leave a Confirmed record and a run record behind a click answered "the
// store cannot be reached".
func TestAConfirmLateInItsBudgetIsRefusedAndTakenBackWhenNoReplicaAcknowledges(t *testing.T) {
	srv := redistest.Start(t) // a lone server: no replica can acknowledge
	c, p := client(t, srv), prefix()
	// The scripts are loaded, as on a primary the bot has written to.
	warm := rec(alice, time.Hour)
	if err := redisstore.New(c, p).Put(ctx, warm, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := redisstore.New(c, p).Settle(ctx, warm.Token, confirm(alice, t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	s := redisstore.New(c, p).WaitForReplicas(1, 300*time.Millisecond)
	// 300 ms left: less than the WAIT would take. 100 ms left: too little
	// for any WAIT to answer.
	for _, left := range []time.Duration{300 * time.Millisecond, 100 * time.Millisecond} {
		r := rec(alice, time.Hour)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		late, cancel := context.WithTimeout(ctx, left)
		_, started, err := s.SettleRun(late, r.Token, confirm(alice, t0.Add(time.Minute)), time.Minute)
		cancel()
		if !errors.Is(err, pending.ErrNotDurable) || started {
			t.Fatalf("%v left: a Confirm no replica acknowledged: started %v, %v; want pending.ErrNotDurable", left, started, err)
		}
		if got, err := s.Get(ctx, r.Token); err != nil || got.State != pending.Pending {
			t.Fatalf("%v left: after a refused Confirm the confirmation is %v (%v); want pending again", left, got.State, err)
		}
	}
	if runs, err := s.Orphans(ctx, 10); err != nil || len(runs) != 0 {
		t.Fatalf("a refused Confirm left a run record: %+v, %v", runs, err)
	}
}

// A move with almost none of its call's time left is not sent: its
// answer could be cut off after it landed. The click is refused with the
// deadline's error and the confirmation stays as it was, with no run
// record; with time left the same move goes through.
func TestAMoveWithNoTimeLeftToAnswerIsNotWritten(t *testing.T) {
	c, p := client(t, redistest.Start(t)), prefix()
	s := redisstore.New(c, p)
	r := rec(alice, time.Hour)
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	late, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, started, err := s.SettleRun(late, r.Token, confirm(alice, t0.Add(time.Minute)), time.Minute)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || started {
		t.Fatalf("a Confirm with 20 ms left: started %v, %v; want the deadline's error", started, err)
	}
	if got, err := s.Get(ctx, r.Token); err != nil || got.State != pending.Pending {
		t.Fatalf("after a Confirm with no time left the confirmation is %v (%v); want pending", got.State, err)
	}
	if runs, err := s.Orphans(ctx, 10); err != nil || len(runs) != 0 {
		t.Fatalf("a Confirm with no time left wrote a run record: %+v, %v", runs, err)
	}
	inTime, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if moved, started, err := s.SettleRun(inTime, r.Token, confirm(alice, t0.Add(time.Minute)), time.Minute); err != nil || !started || moved.State != pending.Confirmed {
		t.Fatalf("the same Confirm with time left: %v, started %v, %v", moved.State, started, err)
	}
}
