package bot_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// An observer sees every step, as the audit log does, and a result's
// per-ID outcomes as data: what the terminal's exit status is decided from.
func TestObserversSeeEveryStepWithTheBatch(t *testing.T) {
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	b := bot.New(commands.New(bottest.HuaweiDeps(t, url, "")), bot.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SweepEvery: -1})
	t.Cleanup(b.Close)
	var mu sync.Mutex
	var seen []bot.Event
	b.Observe(func(e bot.Event) { mu.Lock(); seen = append(seen, e); mu.Unlock() })

	alice := commands.Caller{Platform: "console", UserID: "alice", Name: "alice"}
	ctx := context.Background()
	o := b.Handle(ctx, bot.Request{Caller: alice, Channel: "console", Text: "delete inc-1001 nope-9"})
	o = b.Press(ctx, bot.Click{Caller: alice, Channel: "console", Press: reply.Press{Kind: reply.Confirm, Value: o.Token}})
	if o.Work == nil {
		t.Fatalf("confirm did not run: %+v", o.Reply)
	}
	o.Work(ctx, nil)
	b.Handle(ctx, bot.Request{Caller: alice, Channel: "console", Text: "delte"})

	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		step    bot.Step
		verdict bot.Verdict
	}{{bot.StepRequest, bot.AwaitingConfirmation}, {bot.StepConfirm, bot.Confirmed}, {bot.StepResult, bot.Done}, {bot.StepRequest, bot.Rejected}}
	if len(seen) != len(want) {
		t.Fatalf("observed %d events, want %d: %+v", len(seen), len(want), seen)
	}
	for i, w := range want {
		if seen[i].Step != w.step || seen[i].Verdict != w.verdict {
			t.Errorf("event %d: %s %q, want %s %q", i, seen[i].Step, seen[i].Verdict, w.step, w.verdict)
		}
	}
	batch := seen[2].Batch
	if batch == nil || batch.Count(vendors.Done) != 1 || batch.Count(vendors.Refused) != 1 || batch.IDs(vendors.Refused)[0] != "nope-9" {
		t.Fatalf("the result's batch: %+v", batch)
	}
	if seen[3].Reason != bot.BadUsage {
		t.Errorf("the typo's reason: %q", seen[3].Reason)
	}
}
