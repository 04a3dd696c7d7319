package policy

import (
	"context"
	"strings"
	"testing"
)

func TestWhoAmI(t *testing.T) {
	ctx := context.Background()
	render := func(ls []Line) string {
		var out []string
		for _, l := range ls {
			out = append(out, l.String())
		}
		return strings.Join(out, "\n")
	}
	for _, tc := range []struct {
		name      string
		subject   Subject
		slackDown bool
		want      []string // lines that must appear
	}{
		{"named user who also approves", alice, false, []string{
			"delete: may request; more than 10 IDs need a second person (slack:group:S0SECOPS, discord:role:5566); may approve others' requests",
			"create: may request",
		}},
		{"secops member elsewhere", in(secops, "C0999"), false, []string{"delete: may not request", "create: may request"}},
		{"secops member in the channel", secops, false, []string{"delete: may not request; may approve others' requests"}},
		{"outsider", mallory, false, []string{"delete: may not request", "whoami: may request"}},
		{"Slack down", oncall, true, []string{
			"delete: may not request; Slack could not be asked who is in slack:group:S0614TZR7 or slack:group:S0SECOPS, so those groups count as not yours",
			"create: may request\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := groups()
			if tc.slackDown {
				g.err = errSlackDown
			}
			got := render(example(t, g).WhoAmI(ctx, tc.subject)) + "\n"
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("whoami:\n%s\nlacks\n%s", got, w)
				}
			}
			if n := strings.Count(got, "\n"); n != len(known) {
				t.Errorf("%d lines, want one per known verb (%d)", n, len(known))
			}
		})
	}
}
