package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// On the terminal a partial result offers retry and check as words, each
// once, and prints every ID by outcome.
func TestRetryAndCheckAreWordsOnTheTerminal(t *testing.T) {
	faults, err := sandbox.ParseFaults("secmaster.delete=500*1")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(faults))
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	deps := bottest.HuaweiDepsBatch(t, url, "", 1)
	b := bot.New(commands.New(deps), bot.Options{Logger: slog.New(slog.DiscardHandler), SweepEvery: -1,
		Lookup: lookup.New(lookup.Config{SecMaster: deps.SecMaster.(vendors.SecMasterReader)})})
	t.Cleanup(b.Close)

	in, w := io.Pipe()
	out := make(replies)
	done := make(chan error)
	go func() { done <- console.New(b, in, out, "alice", "").Run(context.Background()) }()
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

	ids := []string{"inc-1001", "inc-1002", "inc-1003", "inc-1004", "inc-1005"}
	for i := range 7 {
		ids = append(ids, fmt.Sprintf("inc-90%02d", i))
	}
	say("delete "+strings.Join(ids, " "), 1)
	res := say("confirm", 2)
	for _, want := range []string{"SecMaster: deleted 0 of 12", "[Retry 11 not attempted] [Check 1 unknown]  type retry or check",
		"Every ID by outcome:", "Outcome unknown (check before retrying) (1)", "    inc-1001\n",
		"Not attempted (safe to retry) (11)", "    inc-1002\n", "    inc-9006\n"} {
		if !strings.Contains(res, want) {
			t.Errorf("the result lacks %q:\n%s", want, res)
		}
	}
	ask := say("retry", 1)
	if !strings.Contains(ask, "delete incidents (11)") || !strings.Contains(ask, "- inc-9006") || strings.Contains(ask, "inc-1001") {
		t.Fatalf("retry should ask to confirm exactly the 11 not attempted:\n%s", ask)
	}
	if again := say("retry", 1); !strings.Contains(again, "No result here offers retry") {
		t.Errorf("a second retry:\n%s", again)
	}
	if ran := say("confirm", 12); !strings.Contains(ran, "Outcome: 4 deleted, 7 refused, 0 unknown, 0 not attempted.") {
		t.Errorf("the retry's confirmation did not run it:\n%s", ran)
	}
	if checked := say("check", 2); !strings.Contains(checked, "Gone (deleted) (1)") && !strings.Contains(checked, "Still exist (not deleted) (1)") {
		t.Errorf("check:\n%s", checked)
	} else if !strings.Contains(checked, "- inc-1001") {
		t.Errorf("check does not name inc-1001:\n%s", checked)
	}
	_ = w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
