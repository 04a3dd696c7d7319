package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// The sandbox note is on every reply a user can see, exactly once: the
// answer, each progress update, the result, a stop notice, an expiry's
// update, a refusal, an internal error.
func TestTheSandboxNoteIsOnEveryReplyOnce(t *testing.T) {
	const note = "Sandbox: nothing real is changed."
	srv := vendortest.New(t, vendortest.SecMasterEcho)
	clk := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	b := bot.New(commands.New(bottest.HuaweiDepsBatch(t, srv.URL, "", 1)), bot.Options{
		Logger: slog.New(slog.DiscardHandler), Note: note, Now: clk.Now, ConfirmTTL: time.Minute, SweepEvery: -1})
	var mu sync.Mutex
	var updates []reply.Reply
	b.SetUpdater("slack", func(_ context.Context, _ string, r reply.Reply) {
		mu.Lock()
		defer mu.Unlock()
		updates = append(updates, r)
	})
	seen := map[string]reply.Reply{}
	ctx := context.Background()
	ask := func(line string) bot.Outcome {
		return b.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: line, Message: "resp"})
	}

	o := ask("delete inc-1 inc-2")
	seen["confirmation"] = o.Reply
	c := click(b, reply.Confirm, alice, o.Token)
	seen["running"] = c.Reply
	n := 0
	seen["result"] = c.Work(ctx, func(r reply.Reply) { n++; seen["progress"] = r })
	if n == 0 {
		t.Fatal("a two-call delete showed no progress")
	}
	// A stop notice ends the batch where it is, so it is taken after the
	// work here (a stop before the first call would send nothing).
	seen["stop notice"] = c.Unfinished()
	seen["second click"] = click(b, reply.Confirm, alice, o.Token).Reply
	seen["usage error"] = ask("delete inc/1").Reply
	seen["help"] = ask("help").Reply
	seen["internal error"] = b.InternalError(ctx, "test", errString("boom"))
	ask("delete inc-3")
	clk.Add(2 * time.Minute)
	b.Sweep(ctx)
	b.Close() // waits for the expiry's update
	mu.Lock()
	if len(updates) != 1 {
		t.Fatalf("%d expiry updates, want 1", len(updates))
	}
	seen["expiry update"] = updates[0]
	mu.Unlock()

	for what, r := range seen {
		if got := strings.Count(r.Footer, note); got != 1 || !strings.HasSuffix(r.Footer, note) {
			t.Errorf("%s: the note is in its footer %d times, want once at the end: %q", what, got, r.Footer)
		}
	}
}
