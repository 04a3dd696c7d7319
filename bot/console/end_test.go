package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// syncBuffer is a bytes.Buffer safe for the bot's log and the console's
// writes from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stoppableBot is a bot as the terminal runs it: its Stop forgets the
// confirmations still waiting, with an audit line each, written to log.
func stoppableBot(t *testing.T, log io.Writer, now func() time.Time) *bot.Bot {
	t.Helper()
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	b := bot.New(commands.New(bottest.HuaweiDeps(t, url, "")), bot.Options{Logger: slog.New(slog.NewTextHandler(log, nil)),
		ForgetOnStop: true, Now: now, SweepEvery: -1})
	t.Cleanup(b.Close)
	return b
}

// Ctrl-C at the prompt: the prompt's line is finished, each confirmation
// still waiting gets an audit line, and the screen says which were not run.
func TestInterruptedAtThePromptReportsWhatWasWaiting(t *testing.T) {
	var log syncBuffer
	b := stoppableBot(t, &log, nil)
	in, w := io.Pipe()
	defer w.Close()
	var out syncBuffer
	term := console.New(b, in, &out, "alice", "incident> ")
	b.SetUpdater("console", term.Update)
	b.Observe(term.Observe)
	ctx, interrupt := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- term.Run(ctx) }()
	_, _ = io.WriteString(w, "delete inc-1001\n")
	_, _ = io.WriteString(w, "delete inc-1002 inc-1003\n")
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "incident> ") < 3 { // the third prompt: both confirmations shown
		if time.Now().After(deadline) {
			t.Fatalf("the confirmations never came:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	interrupt() // what SIGINT does to the terminal's context
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	term.End(context.Background(), b.Stop)

	got := out.String()
	tokens := regexp.MustCompile(`token ([a-z2-7]{26})`).FindAllStringSubmatch(got, -1)
	if len(tokens) != 2 {
		t.Fatalf("want two tokens shown:\n%s", got)
	}
	want := "incident> \n! 2 confirmations were still waiting and were not run:\n  " + tokens[0][1] + "  delete incidents (1)\n  " +
		tokens[1][1] + "  delete incidents (2)\n"
	if !strings.Contains(got, want) {
		t.Fatalf("the end of the session:\n%s\nwant it to hold:\n%s", got, want)
	}
	if !strings.HasSuffix(got, "\n") || strings.HasSuffix(got, "incident> ") || strings.Contains(got, "The bot restarted") {
		t.Fatalf("the session ended on a dangling line or a restart notice:\n%q", got)
	}
	if n := strings.Count(log.String(), `event=expire`); n != 2 || strings.Count(log.String(), `outcome="dropped: the bot stopped"`) != 2 {
		t.Fatalf("%d dropped audit lines, want 2:\n%s", n, log.String())
	}
	if term.Status() != console.NotDone {
		t.Fatalf("status %d, want NotDone", term.Status())
	}
}

// A confirmation that expired is no longer waiting: confirm does not
// offer it, and the end of the session does not list it.
func TestAnExpiredConfirmationIsNoLongerWaiting(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var log syncBuffer
	b := stoppableBot(t, &log, clock)
	in, w := io.Pipe()
	out := make(replies, 16)
	term := console.New(b, in, out, "alice", "")
	b.SetUpdater("console", term.Update)
	done := make(chan error)
	go func() { done <- term.Run(context.Background()) }()
	_, _ = io.WriteString(w, "delete inc-1001\n")
	if first := <-out; !strings.Contains(first, "Confirm: delete incidents (1)?") {
		t.Fatalf("no confirmation:\n%s", first)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if n := b.Sweep(context.Background()); n != 1 {
		t.Fatalf("swept %d", n)
	}
	<-out // the expiry notice
	_, _ = io.WriteString(w, "confirm\n")
	if again := <-out; !strings.Contains(again, "Nothing is waiting for confirmation.") {
		t.Fatalf("confirm after the expiry:\n%s", again)
	}
	w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	term.End(context.Background(), b.Stop)
	select {
	case r := <-out:
		t.Fatalf("the end listed something:\n%s", r)
	default:
	}
}
