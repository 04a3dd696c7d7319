package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
)

// completer is the terminal's Tab over the sandbox; policyYAML, when not
// empty, is the access policy. It returns the vendor gate too.
func completer(t *testing.T, policyYAML string) (console.Completer, *bottest.Gate, *bot.Bot) {
	t.Helper()
	gate := bottest.NewGate(t)
	deps, reader := bottest.AllDeps(t, gate.URL, gate.URL, gate.URL)
	opt := bot.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if policyYAML != "" {
		path := filepath.Join(t.TempDir(), "policy.yaml")
		_ = os.WriteFile(path, []byte(policyYAML), 0o600)
		holder := policy.NewHolder([]string{"delete", "unlink", "unassign", "accept", "resolve", "verify", "help", "whoami"}, nil)
		if err := holder.Reload(path); err != nil {
			t.Fatal(err)
		}
		opt.Access = holder
	}
	b := bot.New(commands.New(deps), opt)
	t.Cleanup(b.Close)
	who := picker.Who{Caller: commands.Caller{Platform: "console", UserID: "alice", Name: "alice"}}
	return console.Completer{Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest}), Who: who}, gate, b
}

func TestTabCompletesVerbsOptionsAndIDs(t *testing.T) {
	c, _, _ := completer(t, "")
	ctx := context.Background()
	for _, tc := range []struct{ before, want string }{
		{"del", "ete "},
		{"un", "assign |link "},
		{"delete --d", "ry-run "},
		{"delete inc-100", "1 |2 |3 |4 |5 "},
		{"delete inc-1001 inc-100", "2 |3 |4 |5 "},
		{"unlink inc-1001 ", "alert-2001 |alert-2002 |alert-2003 "},
		{"unlink inc-1002 alert-", "2004 "},
		{"unassign cx", "-3001 |-3002 |-3003 "},
		{"accept IM", "202611220001 |202611220002 "},
		{"help ", ""},
		{"frobnicate x", ""},
	} {
		got, _ := c.Complete(ctx, tc.before)
		if strings.Join(got, "|") != tc.want {
			t.Errorf("Tab after %q: %q, want %q", tc.before, strings.Join(got, "|"), tc.want)
		}
	}
}

func TestTabOffersNoIDsToSomeoneNotAllowed(t *testing.T) {
	c, gate, _ := completer(t, "rules:\n  - verbs: [unassign]\n    request: [console]\n")
	if got, _ := c.Complete(context.Background(), "delete inc-"); len(got) != 0 {
		t.Fatalf("IDs offered for a verb the policy refuses: %v", got)
	}
	if gate.Reads.Load() != 0 {
		t.Fatal("the vendor was read")
	}
	if got, _ := c.Complete(context.Background(), "unassign cx-300"); len(got) != 3 {
		t.Fatalf("an allowed verb: %v", got)
	}
}

// The editor reads what is typed like the plain reader (a terminal is not
// needed for it to read a pipe).
func TestTheEditorFeedsTheConsole(t *testing.T) {
	c, _, b := completer(t, "")
	in, w := io.Pipe()
	var out bytes.Buffer
	e, err := console.NewEditor(in, &out, "incident> ", c)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	term := console.New(b, in, e.Stdout(), "alice", "incident> ")
	term.UseEditor(e)
	done := make(chan error, 1)
	go func() { done <- term.Run(context.Background()) }()
	_, _ = io.WriteString(w, "help delete\n")
	time.Sleep(300 * time.Millisecond)
	_ = w.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the console did not end at the end of input")
	}
	_ = e.Close()
	if !strings.Contains(out.String(), "/incident delete") {
		t.Fatalf("output: %q", out.String())
	}
}
