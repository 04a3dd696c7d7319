package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// run feeds input to a console and returns everything it printed.
func runConsole(t *testing.T, input string) string {
	t.Helper()
	var out strings.Builder
	if err := console.New(newBot(t), strings.NewReader(input), &out, "alice", "").Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestPastedIDLinesJoinTheCommand(t *testing.T) {
	for name, input := range map[string]string{
		"pasted":         "delete inc-1001 inc-1002\ninc-1003\ninc-1004, inc-1005\nconfirm\n",
		"trailing comma": "delete inc-1001, inc-1002,\ninc-1003, inc-1004,\ninc-1005\nconfirm\n",
		"backslash":      "delete inc-1001 inc-1002 \\\ninc-1003 inc-1004 inc-1005\nconfirm\n",
	} {
		t.Run(name, func(t *testing.T) {
			out := runConsole(t, input)
			if !strings.Contains(out, "Confirm: delete incidents (5)?") || !strings.Contains(out, "SecMaster: deleted 5 of 5") {
				t.Fatalf("output:\n%s", out)
			}
		})
	}
}

// A word typed (or piped) right after a command is never taken for one
// more ID unless it has a digit, as IDs do: "no" is not deleted.
func TestAWordAfterADeleteIsNotTakenForAnID(t *testing.T) {
	out := runConsole(t, "delete inc-1001 inc-1002\nno\n")
	if !strings.Contains(out, "Confirm: delete incidents (2)?") || strings.Contains(out, "incidents (3)") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestALoneIDLineIsClearlyRefused(t *testing.T) {
	out := runConsole(t, "help\ninc-1003 inc-1004\n")
	if !strings.Contains(out, `"inc-1003" is not a command I know. It looks like an ID: start the line with the command`) {
		t.Fatalf("output:\n%s", out)
	}
}

func TestTheTerminalShowsNoChatMarkup(t *testing.T) {
	got := console.Render(reply.Reply{Title: "Incident `IM1`: x", Lines: []string{"Owner `u-1` · application `app-1`", "Code: " + reply.CodeSpan("7")},
		Lists: []reply.List{{Label: "Failed (1)", Items: []reply.Item{{ID: "a", Note: "code `X`"}}}}, Footer: "Request ID: `r-1`."})
	if strings.Contains(got, "`") {
		t.Fatalf("backticks on the terminal:\n%s", got)
	}
	if !strings.Contains(got, "Owner u-1 · application app-1") || !strings.Contains(got, "Code: 7") {
		t.Fatalf("rendered:\n%s", got)
	}
}

// The sandbox deletes any ID; 150 of them take two calls of 100.
func TestProgressIsPrintedAsItComes(t *testing.T) {
	line := "delete"
	for i := 1; i <= 150; i++ {
		line += fmt.Sprintf(" inc-p%d", i)
	}
	out := runConsole(t, line+"\nconfirm\n")
	if !strings.Contains(out, "SecMaster: deleted ") || !strings.Contains(out, "of 150 so far…") {
		t.Fatalf("no progress line:\n%s", out)
	}
}
