package commands_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

func TestMistakesGetAHint(t *testing.T) {
	for line, want := range map[string]string{
		"delte inc-1":                   `"delte" is not a command I know. Did you mean delete?`,
		"unasign cx-1":                  "Did you mean unassign?",
		"hlep":                          "Did you mean help?",
		"inc-1003 inc-1004":             "It looks like an ID: start the line with the command, as in delete inc-1003",
		"verify IM1 --pass --coment ok": "verify has no option --coment. Did you mean --comment?",
		"delete inc-1 inc-2.":           `"inc-2." ends with a period, and IDs do not: if it ends your sentence, leave it out (inc-2)`,
		"xyzzy":                         `"xyzzy" is not a command I know.`,
	} {
		_, err := registry(&recorder{}).Parse(line, alice)
		var usage *commands.UsageError
		if !errors.As(err, &usage) || !strings.Contains(usage.Problem, want) {
			t.Errorf("%q: %v, want %q", line, err, want)
		}
		if line == "xyzzy" && strings.Contains(usage.Problem, "Did you mean") {
			t.Errorf("%q got a far-fetched suggestion: %s", line, usage.Problem)
		}
	}
}

// A typo of a verb shows that verb's usage, not every verb's: the line
// that helps, not nine.
func TestATypoShowsTheSuggestedVerbsUsageOnly(t *testing.T) {
	_, err := registry(&recorder{}).Parse("delte inc-1", alice)
	var usage *commands.UsageError
	if !errors.As(err, &usage) {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(usage.Usage, "/incident delete INCIDENT_ID...") || !strings.Contains(usage.Usage, "/incident help delete") {
		t.Errorf("usage of a typo of delete:\n%s", usage.Usage)
	}
	for _, other := range []string{"unassign", "create", "verify", "whoami"} {
		if strings.Contains(usage.Usage, "/incident "+other) {
			t.Errorf("usage of a typo of delete shows %s's too:\n%s", other, usage.Usage)
		}
	}
	// A word like no verb still gets every usage: there is no better guess.
	_, err = registry(&recorder{}).Parse("xyzzy", alice)
	if !errors.As(err, &usage) || !strings.Contains(usage.Usage, "/incident unassign") || !strings.Contains(usage.Usage, "/incident delete") {
		t.Errorf("usage of an unknown word: %v", err)
	}
}

// Chat clients and word processors turn -- into an em or en dash.
func TestLongDashesAreOptions(t *testing.T) {
	for _, line := range []string{
		"verify IM1 —pass —comment ok",
		"verify IM1 –pass –comment ok",
		"verify IM1 --pass —comment=ok",
	} {
		a, err := registry(&recorder{}).Parse(line, alice)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if s := a.Summary(); s.Verb != "verify" {
			t.Errorf("%q: %+v", line, s)
		}
	}
}

func TestProgressReply(t *testing.T) {
	s := commands.Summary{Verb: "delete", Vendor: vendors.SecMaster, Operation: "delete incidents"}
	var res vendors.BatchResult
	res.MarkAll(make([]string, 55), vendors.Done, "", "")
	res.MarkAll(make([]string, 5), vendors.Refused, "x", "no")
	r := commands.ProgressReply(s, "Deleted", vendors.Progress{Call: 1, Calls: 3, Handled: 60, Total: 180, Result: res})
	if r.Title != "SecMaster: deleted 55 of 180 so far…" || !strings.Contains(strings.Join(r.Lines, " "), "Call 1 of 3 returned; 120 ID(s) still to send.") ||
		!strings.Contains(strings.Join(r.Lines, " "), "So far 5 refused, 0 with an unknown outcome") {
		t.Errorf("progress reply: %+v", r)
	}
}
