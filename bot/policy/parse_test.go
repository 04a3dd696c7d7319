package policy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadExample(t *testing.T) {
	p := example(t, nil)
	if len(p.Rules) != 2 {
		t.Fatalf("rules = %d, want 2", len(p.Rules))
	}
	r := p.Rules[0]
	want := &Rule{
		Index: 0, File: "testdata/example.yaml", Line: 2,
		Verbs: []string{"delete", "unlink", "unassign"},
		Request: []Principal{
			{SlackUser, "U024BE7LH"}, {SlackGroup, "S0614TZR7"}, {DiscordUser, "80351110224678912"},
			{DiscordRole, "41771983423143936"}, {ConsoleUser, ""},
		},
		Channels:           []Channel{{Slack, "C0123"}, {Discord, "1122"}},
		SecondApprovalOver: 10,
		Approve:            []Principal{{SlackGroup, "S0SECOPS"}, {DiscordRole, "5566"}},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("rule 1 =\n%+v\nwant\n%+v", r, want)
	}
	r2 := p.Rules[1]
	if r2.Line != 12 || r2.Channels != nil || r2.SecondApprovalOver != -1 || r2.Request[0].Kind != Everyone {
		t.Errorf("rule 2 = %+v", r2)
	}
	if got := r.String(); got != "rule 1 (testdata/example.yaml:2): delete, unlink, unassign by slack:U024BE7LH, slack:group:S0614TZR7, discord:user:80351110224678912, discord:role:41771983423143936, console in slack:C0123, discord:1122; second approval over 10 by slack:group:S0SECOPS, discord:role:5566" {
		t.Errorf("String() = %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // each must appear in the error
	}{
		{"not YAML", "rules:\n  - verbs: [delete\n    request: x\n",
			[]string{"policy.yaml:3: not valid YAML: did not find expected ',' or ']' (a flow sequence that starts on line 2)"}},
		{"tab", "rules:\n\t- verbs: [create]\n", []string{"policy.yaml:2: not valid YAML", "indent with spaces"}},
		{"bare star", "rules:\n  - verbs: [create]\n    request: [*]\n", []string{"policy.yaml:3: not valid YAML", `write "*" in quotes`}},
		{"empty file", "", []string{"policy.yaml: the policy file is empty"}},
		{"not a mapping", "- a\n", []string{"policy.yaml:1: the policy file must be a mapping"}},
		{"no rules", "rulez: []\n", []string{`policy.yaml:1: unknown field "rulez"`, "policy.yaml:1: no rules: list"}},
		{"empty rules", "rules: []\n", []string{"policy.yaml:1: rules is empty: every request would be refused"}},
		{"unknown rule field", "rules:\n  - verbs: [create]\n    request: [\"*\"]\n    channel: [slack:C1]\n",
			[]string{`policy.yaml:4: rule 1: unknown field "channel" (known fields: verbs, request, channels, second_approval_over, approve)`}},
		{"unknown verb", "rules:\n  - verbs: [create]\n    request: [\"*\"]\n  - verbs: [delete, dlete]\n    request: [console]\n",
			[]string{`policy.yaml:4: rule 2: unknown verb "dlete" (known verbs: create, verify, accept, resolve, delete, unlink, unassign, help, whoami, or "*")`}},
		{"malformed principal", "rules:\n  - verbs: [delete]\n    request:\n      - slack:user:U1\n",
			[]string{`policy.yaml:4: rule 1: request: malformed principal "slack:user:U1": accepted forms are slack:U…, slack:group:S…, discord:user:ID, discord:role:ID, console, or "*" (quoted)`}},
		{"lower-case slack group", "rules:\n  - verbs: [delete]\n    request: [slack:group:s1]\n",
			[]string{`policy.yaml:3: rule 1: request: malformed principal "slack:group:s1": a Slack user group ID starts with S`}},
		{"discord role not a number", "rules:\n  - verbs: [delete]\n    request: [console]\n    second_approval_over: 1\n    approve: [discord:role:admins]\n",
			[]string{`policy.yaml:5: rule 1: approve: malformed principal "discord:role:admins": a Discord role ID is a number`}},
		{"principal with a space after the colon", "rules:\n  - verbs: [delete]\n    request:\n      - slack: U1\n",
			[]string{"policy.yaml:4: rule 1: an entry of request is a mapping, not a string"}},
		{"malformed channel", "rules:\n  - verbs: [delete]\n    request: [console]\n    channels: [\"#ops\"]\n",
			[]string{`policy.yaml:4: rule 1: malformed channel "#ops": accepted forms are slack:C… (or G…, D…), discord:ID, or console`}},
		{"empty channels", "rules:\n  - verbs: [delete]\n    request: [console]\n    channels: []\n",
			[]string{"policy.yaml:4: rule 1: channels is empty (leave channels out to allow anywhere)"}},
		{"negative threshold", "rules:\n  - verbs: [delete]\n    request: [console]\n    second_approval_over: -1\n    approve: [console]\n",
			[]string{"policy.yaml:4: rule 1: second_approval_over must not be negative"}},
		{"threshold not a number", "rules:\n  - verbs: [delete]\n    request: [console]\n    second_approval_over: ten\n    approve: [console]\n",
			[]string{`policy.yaml:4: rule 1: second_approval_over must be a whole number of IDs, got "ten"`}},
		{"approve without threshold", "rules:\n  - verbs: [delete]\n    request: [console]\n    approve: [console]\n",
			[]string{"policy.yaml:4: rule 1: approve needs second_approval_over"}},
		{"threshold without approve", "rules:\n  - verbs: [delete]\n    request: [console]\n    second_approval_over: 3\n",
			[]string{"policy.yaml:4: rule 1: second_approval_over needs an approve: list"}},
		{"empty request", "rules:\n  - verbs: [delete]\n    request: []\n",
			[]string{"policy.yaml:3: rule 1: request is empty (an empty list allows nothing)"}},
		{"missing request", "rules:\n  - verbs: [delete]\n", []string{"policy.yaml:2: rule 1 has no request: list"}},
		{"request not a list", "rules:\n  - verbs: [delete]\n    request: console\n", []string{"policy.yaml:3: rule 1: request must be a list"}},
		{"duplicate key", "rules:\n  - verbs: [delete]\n    request: [console]\n    verbs: [create]\n", []string{"policy.yaml:4: verbs is given twice"}},
		{"two documents", "rules:\n  - verbs: [delete]\n    request: [console]\n---\nrules: []\n", []string{"policy.yaml:4: a second YAML document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("policy.yaml", []byte(tc.src), known)
			if err == nil {
				t.Fatalf("no error; policy %+v", p)
			}
			if p != nil {
				t.Errorf("policy returned along with the error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

// Every problem is reported at once, each an *Error with its own line.
func TestParseReportsEveryProblem(t *testing.T) {
	src := `rules:
  - verbs: [delete, dlete]
    request: [slack:user:U1, console]
    channels: [slack:#ops]
  - verbs: [create]
    request: ["*"]
    approve: [console]
`
	_, err := Parse("p.yaml", []byte(src), known)
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("%T is not *Error", e)
		}
		lines = append(lines, pe.Line)
	}
	if want := []int{2, 3, 4, 7}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines = %v, want %v; error:\n%v", lines, want, err)
	}
}

func TestParseAcceptsStarAnchorsAndNoKnownVerbs(t *testing.T) {
	src := `rules:
  - verbs: ["*"]
    request: &oncall [slack:W1, discord:role:2]
    channels: [slack:G1, slack:D1, console]
  - verbs: [anything]
    request: *oncall
`
	p, err := Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Rules[1].Request; len(got) != 2 || got[1] != (Principal{DiscordRole, "2"}) {
		t.Errorf("alias request = %v", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, known)
	if err == nil || !strings.HasPrefix(err.Error(), path+": cannot read the policy file") {
		t.Errorf("err = %v", err)
	}
	if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
		t.Fatal("test file exists")
	}
}
