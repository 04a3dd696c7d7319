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
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A connection COC refused proves nothing reached it: the create may be
// retried at once, and the responder reads that nothing changed.
func TestRefusedConnectionLetsTheCreateBeRetried(t *testing.T) {
	b := bot.New(commands.New(bottest.HuaweiDeps(t, "", "http://127.0.0.1:1")), bot.Options{Logger: slog.New(slog.DiscardHandler), SweepEvery: -1})
	t.Cleanup(b.Close)
	ask := func() bot.Outcome {
		return b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine})
	}
	r := ask().Work(context.Background(), nil)
	if !strings.Contains(r.Title, "nothing was sent, so nothing changed") {
		t.Fatalf("first attempt: %q %v", r.Title, r.Lines)
	}
	if again := ask(); again.Work == nil {
		t.Fatalf("a retry was blocked: %q", again.Reply.Title)
	}
}

// A create claimed by a process that died before it ran is not refused as
// "already on it" for ten minutes: the claim lasts as long as the attempt
// may.
func TestCreateClaimOfADeadProcessLapses(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	runs := pending.NewMemoryRuns(clock.Now)
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM7"}})
	})
	replica := func() *bot.Bot {
		b := bot.New(commands.New(bottest.HuaweiDeps(t, "", srv.URL)), bot.Options{Logger: slog.New(slog.DiscardHandler), Now: clock.Now,
			Runs: runs, Values: runs, SweepEvery: -1, WorkTimeout: time.Minute})
		t.Cleanup(b.Close)
		return b
	}
	dead, live := replica(), replica()
	_ = dead.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}) // killed before its Work ran
	if o := live.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}); o.Work != nil {
		t.Fatal("a repeat within the attempt's time was not recognised")
	}
	clock.Add(2*time.Minute + time.Second)
	if o := live.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}); o.Work == nil {
		t.Fatalf("after the dead attempt's time: %q", o.Reply.Title)
	}
}

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
