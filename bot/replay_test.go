package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands/reply"
)

func replayKey(k string) *pending.Replay { return &pending.Replay{Key: k, TTL: time.Minute} }

// TestAReplayedCommandStoresNothingAndIsNotAudited: the same verified
// request twice (its key checked by the bot, with the confirmation's
// write) asks once; the replay is answered Replayed, with no
// confirmation and no audit line.
func TestAReplayedCommandStoresNothingAndIsNotAudited(t *testing.T) {
	f := newFixture(t, time.Minute)
	ctx := context.Background()
	req := bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident delete inc-1", Replay: replayKey("sig-1")}
	first := f.bot.Handle(ctx, req)
	if first.Token == "" || first.Replay {
		t.Fatalf("the first request: %+v", first)
	}
	audited := strings.Count(f.log.String(), `"log":"audit"`)
	again := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident delete inc-1", Replay: replayKey("sig-1")})
	if !again.Replay || again.Token != "" || again.Work != nil || again.Reply.Title != "" {
		t.Fatalf("the replay: %+v, want Replayed", again)
	}
	if n := strings.Count(f.log.String(), `"log":"audit"`); n != audited {
		t.Errorf("the replay wrote %d audit lines, want none", n-audited)
	}
	// The first request's confirmation still works, and runs once.
	c := click(f.bot, reply.Confirm, alice, first.Token)
	if c.Work == nil {
		t.Fatalf("confirm: %+v", c)
	}
	c.Work(ctx, nil)
	if f.deletes() != 1 {
		t.Errorf("vendor got %d deletes, want 1", f.deletes())
	}
}

// TestAReplayOfACommandThatStoresNothingIsCaught: a refusal and a dry
// run check their key before they answer (help does not: see
// TestAReplayedHelpIsAnsweredAgain).
func TestAReplayOfACommandThatStoresNothingIsCaught(t *testing.T) {
	f := newFixture(t, time.Minute)
	ctx := context.Background()
	for i, line := range []string{"/incident frobnicate", "/incident delete inc-1 --dry-run"} {
		key := "sig-" + line
		if o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: line, Replay: replayKey(key)}); o.Replay || o.Reply.Title == "" && len(o.Reply.Lines) == 0 {
			t.Fatalf("%d: %q the first time: %+v", i, line, o)
		}
		if o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: line, Replay: replayKey(key)}); !o.Replay {
			t.Errorf("%q replayed: %+v, want Replayed", line, o)
		}
	}
	// A key set by a command is set for a verb that stores nothing too.
	f.ask(t, alice, "/incident delete inc-2")
	if o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident delete inc-3", Replay: replayKey("sig-x")}); o.Token == "" {
		t.Fatalf("a command with a new key: %+v", o)
	}
	if o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident delete inc-3 --dry-run", Replay: replayKey("sig-x")}); !o.Replay {
		t.Errorf("a dry run with a key a command set: %+v, want Replayed", o)
	}
}

// TestAReplayedHelpIsAnsweredAgain: help answers the text anyone may
// read and does nothing else, so its key is not checked (on Redis that is
// a round trip saved): sent twice, it is answered twice, and its key was
// never written.
func TestAReplayedHelpIsAnsweredAgain(t *testing.T) {
	f := newFixture(t, time.Minute)
	ctx := context.Background()
	for i := range 2 {
		o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident help", Replay: replayKey("sig-help")})
		if o.Replay || o.Reply.Title != "incidentbot commands" {
			t.Fatalf("help, sent %d times: %+v, want the help text", i+1, o)
		}
	}
	if o := f.bot.Handle(ctx, bot.Request{Caller: alice, Channel: "C-WAR", Text: "/incident delete inc-1 --dry-run", Replay: replayKey("sig-help")}); o.Replay {
		t.Errorf("help wrote its replay key: a request with the same key was refused as a replay")
	}
}

// TestAReplayedClickDoesNothing: a Confirm replayed (its key checked with
// the read) runs nothing more; a Cancel replayed is not answered either.
func TestAReplayedClickDoesNothing(t *testing.T) {
	f := newFixture(t, time.Minute)
	ctx := context.Background()
	o := f.ask(t, alice, "/incident delete inc-1")
	press := func(kind reply.Kind, token, key string) bot.Outcome {
		return f.bot.Press(ctx, bot.Click{Caller: alice, Channel: "C-WAR", Press: reply.Press{Kind: kind, Value: token}, Replay: replayKey(key)})
	}
	c := press(reply.Confirm, o.Token, "click-1")
	if c.Work == nil || c.Replay {
		t.Fatalf("the first Confirm: %+v", c)
	}
	c.Work(ctx, nil)
	if again := press(reply.Confirm, o.Token, "click-1"); !again.Replay || again.Reply.Title != "" {
		t.Errorf("the replayed Confirm: %+v, want Replayed (not 'already confirmed')", again)
	}
	o2 := f.ask(t, alice, "/incident delete inc-2")
	if c := press(reply.Cancel, o2.Token, "click-2"); c.Replay {
		t.Fatalf("the first Cancel: %+v", c)
	}
	if again := press(reply.Cancel, o2.Token, "click-2"); !again.Replay {
		t.Errorf("the replayed Cancel: %+v, want Replayed", again)
	}
	if f.deletes() != 1 {
		t.Errorf("vendor got %d deletes, want 1", f.deletes())
	}
}
