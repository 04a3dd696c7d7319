package console_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

func newBot(t *testing.T) *bot.Bot {
	t.Helper()
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return bot.New(commands.New(bottest.HuaweiDeps(t, url, "")), bot.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// replies is an io.Writer that hands each write (one reply) to a channel.
type replies chan string

func (r replies) Write(p []byte) (int, error) { r <- string(p); return len(p), nil }

func TestConfirmAsksWhichWhenSeveralWaitAndTokenPicksOne(t *testing.T) {
	b := newBot(t)
	in, w := io.Pipe()
	out := make(replies)
	done := make(chan error)
	go func() { done <- console.New(b, in, out, "alice", "").Run(context.Background()) }()

	// say types a line and collects the n replies it produces.
	say := func(line string, n int) string {
		go func() { _, _ = io.WriteString(w, line+"\n") }()
		var got strings.Builder
		for i := 0; i < n; i++ {
			select {
			case r := <-out:
				got.WriteString(r)
			case <-time.After(10 * time.Second):
				t.Fatalf("%q: reply %d of %d never came; so far:\n%s", line, i+1, n, got.String())
			}
		}
		return got.String()
	}
	first := say("delete inc-1001", 1)
	token := regexp.MustCompile(`token ([a-z2-7]{26})`).FindStringSubmatch(first)
	if token == nil {
		t.Fatalf("no token shown:\n%s", first)
	}
	say("unassign-not-a-verb", 1) // a mistake adds nothing to wait for
	say("delete inc-1002", 1)
	ask := say("confirm", 1)
	if !strings.Contains(ask, "2 confirmations are waiting: which one?") || !strings.Contains(ask, token[1]+"  delete incidents (1)") || strings.Contains(ask, "Running") {
		t.Fatalf("confirm with two waiting should ask which, running nothing:\n%s", ask)
	}
	if unknown := say("confirm abc123", 1); !strings.Contains(unknown, "never issued here, or it has expired") || !strings.Contains(unknown, token[1]) {
		t.Fatalf("an unknown token:\n%s", unknown)
	}
	older := say("confirm "+token[1], 2)
	if !strings.Contains(older, "SecMaster: deleted 1 of 1") || !strings.Contains(older, "- inc-1001") {
		t.Fatalf("confirm TOKEN did not press that confirmation:\n%s", older)
	}
	only := say("/incident yes", 2) // one left: yes presses it
	if !strings.Contains(only, "- inc-1002") || strings.Contains(only, "inc-1001") {
		t.Fatalf("yes with one waiting did not press it:\n%s", only)
	}
	if none := say("y", 1); !strings.Contains(none, "Nothing is waiting for confirmation") {
		t.Fatalf("confirm with nothing pending:\n%s", none)
	}
	w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
