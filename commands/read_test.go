package commands_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
)

func TestReadVerbsParse(t *testing.T) {
	reg := commands.New(commands.Deps{SecMaster: &recorder{}, Coralogix: &recorder{}, COC: &recorder{},
		COCOperators: map[string]string{"slack:U1": "cloud-U1"}})
	alice := commands.Caller{Platform: "slack", UserID: "U1", Name: "alice"}
	for _, tc := range []struct {
		line, vendor, operation, target string
	}{
		{"show inc-1001", "SecMaster", "show", "inc-1001"},
		{"show IM202611220001", "COC", "show", "IM202611220001"},
		{"show cx-1 --in coralogix", "Coralogix", "show", "cx-1"},
		{"show `inc-7`", "SecMaster", "show", "inc-7"},
		{"list incidents", "SecMaster", "list incidents", ""},
		{"list alerts inc-1 --status all", "SecMaster", "list alerts", "linked to inc-1"},
		{"list tickets --mine --limit 10", "COC", "list tickets", ""},
		{"list coralogix --severity INCIDENT_SEVERITY_ERROR --page tok-2", "Coralogix", "list coralogix", ""},
	} {
		a, err := reg.Parse(tc.line, alice)
		if err != nil {
			t.Errorf("%s: %v", tc.line, err)
			continue
		}
		s := a.Summary()
		if a.Destructive() || s.Vendor != tc.vendor || s.Operation != tc.operation || s.Target != tc.target {
			t.Errorf("%s: destructive %v, summary %+v", tc.line, a.Destructive(), s)
		}
	}
}

func TestReadVerbsRejectBadInput(t *testing.T) {
	reg := commands.New(commands.Deps{SecMaster: &recorder{}, COC: &recorder{}, NotConfigured: map[string]string{"Coralogix": "set CORALOGIX_API_KEY"}})
	bob := commands.Caller{Platform: "slack", UserID: "U2", Name: "bob"}
	for _, tc := range []struct{ line, want string }{
		{"show", "show which ID?"},
		{"show a b", "show takes one ID; got 2"},
		{"show inc/../x", "is not a valid ID"},
		{"show x --in jira", `--in "jira" is not one of the choices`},
		{"show x --in coralogix", "Coralogix is not configured"},
		{"list", "list what?"},
		{"list widgets", `there is no list of "widgets"`},
		{"list alerts", "list alerts needs the SecMaster incident"},
		{"list incidents extra", `"extra" is extra`},
		{"list incidents --limit 0", "--limit \"0\" is not a number from 1 to 100"},
		{"list incidents --limit 101", "from 1 to 100"},
		{"list incidents --mine", "--mine works for tickets only"},
		{"list tickets --mine", "--mine needs your COC user: map slack:U2 in COC_USER_MAP"},
		{"list coralogix", "Coralogix is not configured"},
	} {
		_, err := reg.Parse(tc.line, bob)
		if err == nil || !strings.Contains(err.Error()+usageOf(err), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.line, err, tc.want)
		}
	}
}

func TestTicketNumbersGoToCOC(t *testing.T) {
	for id, want := range map[string]bool{"IM202611220001": true, "IM202403221515060171753781": true, "IM1": false, "inc-1": false, "im202611220001": false} {
		if got := commands.IsTicketNumber(id); got != want {
			t.Errorf("IsTicketNumber(%q) = %v", id, got)
		}
	}
}

func usageOf(err error) string {
	if u, ok := err.(*commands.UsageError); ok {
		return " " + u.Usage
	}
	return ""
}
