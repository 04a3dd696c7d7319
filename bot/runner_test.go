package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A process that is alive but lost its lease (another took it for dead
// and said "outcome unknown") says, with its real result, that this one is
// the actual result.
func TestALostLeaseIsCorrectedByTheResult(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	store, runs := pending.NewMemory(), pending.NewMemoryRuns(clock.Now)
	release := make(chan struct{})
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		vendortest.SecMasterEcho(w, r)
	})
	var mu sync.Mutex
	var told []string
	replica := func() *bot.Bot {
		b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{Logger: slog.New(slog.DiscardHandler),
			Now: clock.Now, Store: store, Runs: runs, Values: runs, SweepEvery: -1, RunLease: 300 * time.Millisecond})
		b.SetUpdater("slack", func(_ context.Context, _ string, r reply.Reply) { mu.Lock(); told = append(told, r.Title); mu.Unlock() })
		t.Cleanup(b.Close)
		return b
	}
	r1, r2 := replica(), replica()
	o := r1.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C", Text: "delete inc-1", Message: "m"})
	c := click(r1, reply.Confirm, alice, o.Token)
	done := make(chan reply.Reply)
	go func() { done <- c.Work(context.Background(), nil) }()
	for srv.Count(http.MethodDelete) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	clock.Add(time.Second) // r1's lease lapses by the store's clock
	r2.Sweep(context.Background())
	r2.Close()
	time.Sleep(300 * time.Millisecond) // r1's renewal finds the lease gone
	close(release)
	final := <-done
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.HasPrefix(told[0], "Outcome unknown") {
		t.Fatalf("replica 2 told %v", told)
	}
	if !strings.Contains(final.Title, "deleted 1 of 1") || !strings.Contains(strings.Join(final.Lines, " "), "this is its actual result") {
		t.Fatalf("replica 1's result: %q %v", final.Title, final.Lines)
	}
}

// An action whose process died while it ran is reported by another
// process sharing the store, once, as having an unknown outcome.
func TestOrphanedRunIsReportedOnce(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	store, runs := pending.NewMemory(), pending.NewMemoryRuns(clock.Now)
	newReplica := func() *bot.Bot {
		b := bot.New(commands.New(bottest.HuaweiDeps(t, "http://127.0.0.1:1", "")), bot.Options{Logger: slog.New(slog.DiscardHandler),
			Now: clock.Now, Store: store, Runs: runs, Values: runs, SweepEvery: -1, RunLease: 30 * time.Second})
		t.Cleanup(b.Close)
		return b
	}
	a, b := newReplica(), newReplica()
	// Replica a is asked, confirmed, and dies in the vendor call: its run
	// stays recorded with a lease nobody renews.
	o := a.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: "delete inc-1 inc-2", Message: "resp-1"})
	if o.Token == "" {
		t.Fatalf("no confirmation: %+v", o.Reply)
	}
	rec, err := store.Settle(context.Background(), o.Token, pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, By: alice, At: clock.Now(), RequesterOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := runs.Start(context.Background(), rec, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var told []string
	b.SetUpdater("slack", func(_ context.Context, message string, r reply.Reply) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, message+" "+r.Title+" "+strings.Join(r.Lines, " "))
	})
	b.Sweep(context.Background())
	clock.Add(31 * time.Second)
	b.Sweep(context.Background())
	b.Sweep(context.Background())
	b.Close() // waits for the updates
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.HasPrefix(told[0], "resp-1 Outcome unknown: delete incidents (2)") || !strings.Contains(told[0], "Check these IDs in SecMaster") {
		t.Fatalf("the requester was told %q; want one outcome-unknown update", told)
	}
}

func TestProgressOfAThreeCallDelete(t *testing.T) {
	f := newOpsFixture(t)
	o := f.handle(t, "delete"+manyIDs(180))
	var got []string
	final := click(f.bot, reply.Confirm, alice, o.Token).Work(context.Background(), func(r reply.Reply) { got = append(got, r.Title) })
	got = append(got, final.Title)
	want := []string{"SecMaster: deleted 60 of 180 so far…", "SecMaster: deleted 120 of 180 so far…", "SecMaster: deleted 180 of 180"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("progress = %q, want %q", got, want)
	}
}

// slowRuns records a run only after longer than its lease, as a store
// that stalls at that moment.
type slowRuns struct{ *pending.MemoryRuns }

func (r slowRuns) Start(ctx context.Context, rec pending.Record, lease time.Duration) error {
	time.Sleep(2 * lease)
	return r.MemoryRuns.Start(ctx, rec, lease)
}

// A run whose lease has already lapsed when its record is written sends
// nothing: another process may already have reported it.
func TestARunRecordedPastItsLeaseSendsNothing(t *testing.T) {
	srv := vendortest.New(t, vendortest.SecMasterEcho)
	runs := slowRuns{pending.NewMemoryRuns(nil)}
	b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{Logger: slog.New(slog.DiscardHandler),
		Runs: runs, Values: runs, SweepEvery: -1, RunLease: 50 * time.Millisecond})
	t.Cleanup(b.Close)
	o := b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C", Text: "delete inc-1", Message: "m"})
	final := click(b, reply.Confirm, alice, o.Token).Work(context.Background(), nil)
	if n := srv.Count(http.MethodDelete); n != 0 {
		t.Fatalf("%d vendor calls after the lease lapsed", n)
	}
	if !strings.HasPrefix(final.Title, "Nothing was run: delete incidents (1)") || !strings.Contains(strings.Join(final.Lines, " "), "nothing was sent to SecMaster") {
		t.Fatalf("the requester reads %q %v", final.Title, final.Lines)
	}
}
