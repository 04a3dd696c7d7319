package bot_test

import (
	"context"
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

const createLine = `create --title "DB down" --description d --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`

// The same create from the same person within minutes (a double click, a
// form submitted twice) makes one ticket; the repeat is told which.
func TestCreateSubmittedTwiceMakesOneTicket(t *testing.T) {
	var mu sync.Mutex
	refuse := true
	cocAPI := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			vendortest.Reply(w, 400, map[string]any{"error_code": "COC.00040007", "error_msg": "application app-1 does not exist"})
			return
		}
		vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM7"}})
	})
	b := bot.New(commands.New(bottest.HuaweiDeps(t, "", cocAPI.URL)), bot.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(b.Close)
	ask := func() bot.Outcome {
		return b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine})
	}

	// A refusal made nothing: the retry goes to COC again.
	if r := ask().Work(context.Background(), nil); !strings.Contains(r.Title, "COC refused") {
		t.Fatalf("first attempt: %+v", r)
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	first := ask()
	repeat := ask() // while the first is still running
	if repeat.Work != nil || !strings.Contains(repeat.Reply.Title, "Already on it") {
		t.Fatalf("a repeat while the first runs: %+v", repeat.Reply)
	}
	if r := first.Work(context.Background(), nil); !strings.Contains(r.Title, "Incident IM7") {
		t.Fatalf("first: %+v", r)
	}
	late := ask()
	if late.Work != nil || !strings.Contains(late.Reply.Title, "Already done") || !strings.Contains(late.Reply.Title, "IM7") {
		t.Fatalf("a repeat after it was made: %+v", late.Reply)
	}
	if n := cocAPI.Count(http.MethodPost); n != 2 {
		t.Fatalf("COC got %d creates, want 2 (the refused one and the one that made IM7)", n)
	}
	// Another person, or another title, is not a repeat.
	other := b.Handle(context.Background(), bot.Request{Caller: bob, Channel: "C-WAR", Text: createLine})
	if other.Work == nil {
		t.Fatalf("bob's create was taken for alice's repeat: %+v", other.Reply)
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
