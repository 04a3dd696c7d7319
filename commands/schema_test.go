package commands_test

import (
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/commands"
)

// The schema is where every chat form and the Discord command get their
// words, so the platforms' limits are checked here, at the source: a label
// Discord would refuse fails this test rather than a registration at start.
// Limits: Discord option and subcommand names 1-32 lowercase, descriptions
// and choice names 1-100, text input labels 1-45 and placeholders 100, 25
// choices; Slack modal titles 24, placeholders 150, option texts 75.
func TestSchemaFitsEveryPlatform(t *testing.T) {
	name := regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)
	between := func(what, s string, lo, hi int) {
		t.Helper()
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			t.Errorf("%s %q is %d characters; the limit is %d to %d", what, s, n, lo, hi)
		}
	}
	for _, v := range commands.Verbs() {
		if !name.MatchString(v.Name) {
			t.Errorf("verb %q is not a valid Discord subcommand name", v.Name)
		}
		between(v.Name+" summary", v.Summary, 1, 100)
		if len(v.Form) > 0 {
			between(v.Name+" form title", v.FormTitle, 1, 24)
		}
		for _, a := range v.Args {
			if !name.MatchString(a.Name) {
				t.Errorf("%s argument %q is not a valid Discord option name", v.Name, a.Name)
			}
			between(v.Name+" "+a.Name+" description", a.Description, 1, 100)
			if a.MaxLen < 1 || a.MaxLen > 6000 {
				t.Errorf("%s %s: max length %d (Discord allows 1 to 6000)", v.Name, a.Name, a.MaxLen)
			}
			if len(a.Choices) > 25 {
				t.Errorf("%s %s: %d choices; Discord allows 25", v.Name, a.Name, len(a.Choices))
			}
		}
		for _, o := range v.Options {
			if !name.MatchString(o.Name) {
				t.Errorf("%s option %q is not a valid Discord option name", v.Name, o.Name)
			}
			between(v.Name+" --"+o.Name+" help", o.Help, 1, 100)
			between(v.Name+" --"+o.Name+" hint", o.Hint, 0, 100)
			if len(o.Choices()) > 25 {
				t.Errorf("%s --%s: %d choices; Discord allows 25", v.Name, o.Name, len(o.Choices()))
			}
			for _, c := range o.Choices() {
				between(v.Name+" --"+o.Name+" choice", c.Label, 1, 75)
			}
		}
		for _, o := range v.FormOptions() {
			between(v.Name+" --"+o.Name+" label", o.Label, 1, 45)
		}
		if len(v.FormOptions()) != len(v.Form) {
			t.Errorf("%s's form names an option it does not have: %v", v.Name, v.Form)
		}
	}
}

// A verb typed with its form's values as options parses like the form.
func TestWordsFromNamedValues(t *testing.T) {
	v, ok := commands.Lookup("unlink")
	if !ok {
		t.Fatal("no unlink")
	}
	got := v.Words(map[string]string{"incident": "inc-1", "alerts": " a-1  a-2 ", "to": "alerts", "from": ""})
	want := "unlink inc-1 a-1 a-2 --to alerts"
	if s := join(got); s != want {
		t.Fatalf("Words = %q, want %q", s, want)
	}
	vv, _ := commands.Lookup("verify")
	if s := join(vv.Words(map[string]string{"ticket": "IM1", "pass": "yes", "fail": "no"})); s != "verify IM1 --pass" {
		t.Fatalf("switches: %q", s)
	}
}

func join(w []string) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}
