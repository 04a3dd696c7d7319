package policy

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// The example policy, asked what a security team would ask.
func TestDecideExample(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		verb      string
		subject   Subject
		count     int
		slackDown bool
		allowed   bool
		approval  bool
		slackAsks int      // calls to the group resolver
		reason    []string // substrings of Reason
	}{
		{name: "named Slack user, listed channel", verb: "delete", subject: alice, count: 2, allowed: true},
		{name: "named Slack user, other channel", verb: "delete", subject: in(alice, "C0999"), count: 2,
			reason: []string{"delete is refused for slack:U024BE7LH in slack:C0999. You may ask for it only in: slack:C0123, discord:1122. delete needs",
				"delete needs slack:U024BE7LH, a member of slack:group:S0614TZR7, discord:user:80351110224678912, a member of discord:role:41771983423143936 or the terminal user in one of: slack:C0123, discord:1122."}},
		{name: "group member", verb: "unlink", subject: oncall, count: 1, allowed: true, slackAsks: 1},
		{name: "not in the group", verb: "delete", subject: mallory, count: 1, slackAsks: 1,
			reason: []string{"delete is refused for slack:UMALLORY in slack:C0123. delete needs", "a member of slack:group:S0614TZR7"}},
		{name: "Slack down: group member refused", verb: "delete", subject: oncall, count: 1, slackDown: true, slackAsks: 1,
			reason: []string{"Slack could not be asked who is in slack:group:S0614TZR7 (usergroups.users.list: HTTP 503), so the policy refuses rather than guess"}},
		{name: "Slack down: a named user needs no Slack", verb: "delete", subject: alice, count: 1, slackDown: true, allowed: true},
		{name: "Discord role", verb: "delete", subject: discRole, count: 3, allowed: true},
		{name: "Discord user", verb: "unassign", subject: discUser, count: 3, allowed: true},
		{name: "Discord member without the role", verb: "delete", subject: discOther, count: 3,
			reason: []string{"delete is refused for discord:user:999 in discord:1122."}},
		{name: "Discord role, other channel", verb: "delete", subject: in(discRole, "7"), count: 3,
			reason: []string{"in one of: slack:C0123, discord:1122"}},
		{name: "console not in the rule's channels", verb: "delete", subject: terminal, count: 1,
			reason: []string{"delete is refused for the terminal user in the terminal. You may ask for it only in: slack:C0123, discord:1122. (A rule with channels applies to the terminal only if it lists console.)"}},
		{name: "star: anyone may create, Slack not asked", verb: "create", subject: mallory, allowed: true},
		{name: "star: console may whoami", verb: "whoami", subject: terminal, allowed: true},
		{name: "verb no rule names", verb: "verify2", subject: alice,
			reason: []string{"No rule in testdata/example.yaml allows verify2."}},
		{name: "ten IDs: at the threshold, no approval", verb: "delete", subject: alice, count: 10, allowed: true},
		{name: "eleven IDs: over the threshold, approval", verb: "delete", subject: alice, count: 11, allowed: true, approval: true,
			reason: []string{"11 IDs is over 10, so a second person must approve: a member of slack:group:S0SECOPS or a member of discord:role:5566"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := groups()
			if tc.slackDown {
				g.err = errSlackDown
			}
			d := example(t, g).Decide(ctx, Request{Verb: tc.verb, Subject: tc.subject, Count: tc.count})
			if d.Allowed != tc.allowed || d.NeedsApproval != tc.approval {
				t.Errorf("Allowed=%v NeedsApproval=%v, want %v %v; reason: %s", d.Allowed, d.NeedsApproval, tc.allowed, tc.approval, d.Reason)
			}
			if d.Allowed != (d.Rule != nil) {
				t.Errorf("Allowed=%v but Rule=%v", d.Allowed, d.Rule)
			}
			if got := g.count(); got != tc.slackAsks {
				t.Errorf("asked Slack %d times, want %d", got, tc.slackAsks)
			}
			if wantErr := tc.slackDown && tc.slackAsks > 0; (d.Err != nil) != wantErr {
				t.Errorf("Err = %v, want an error: %v", d.Err, wantErr)
			}
			for _, w := range tc.reason {
				if !strings.Contains(d.Reason, w) {
					t.Errorf("reason\n%s\ndoes not contain\n%s", d.Reason, w)
				}
			}
			if tc.approval && !reflect.DeepEqual(d.Approvers, []string{"slack:group:S0SECOPS", "discord:role:5566"}) {
				t.Errorf("Approvers = %v", d.Approvers)
			}
			if !tc.approval && d.Approvers != nil {
				t.Errorf("Approvers = %v without approval", d.Approvers)
			}
		})
	}
}

func TestNoPolicyAllowsEverything(t *testing.T) {
	var p *Policy
	d := p.Decide(context.Background(), Request{Verb: "delete", Subject: mallory, Count: 1000})
	if !d.Allowed || d.NeedsApproval || d.Rule != nil || d.Reason != NoPolicy {
		t.Errorf("nil policy: %+v", d)
	}
	if !p.Open() || p.Describe() != "no policy: every user may run every verb" {
		t.Errorf("Open=%v Describe=%q", p.Open(), p.Describe())
	}
	if lines := p.WhoAmI(context.Background(), mallory); len(lines) != 1 || lines[0].Note != NoPolicy {
		t.Errorf("WhoAmI = %+v", lines)
	}
	if ok, _ := p.MayApprove(context.Background(), nil, secops); ok {
		t.Error("nil policy: someone may approve")
	}
}

func TestDecideWithoutResolverRefusesGroupMembers(t *testing.T) {
	d := example(t, nil).Decide(context.Background(), Request{Verb: "delete", Subject: oncall, Count: 1})
	if d.Allowed || !strings.Contains(d.Reason, "no Slack user-group resolver configured") {
		t.Errorf("%+v", d)
	}
}

// When several rules allow, one needing no second person wins, and Slack
// is asked only when nothing cheaper allowed the request.
func TestDecidePrefersRuleWithoutApproval(t *testing.T) {
	p := mustParse(t, `rules:
  - verbs: [delete]
    request: ["*"]
    second_approval_over: 0
    approve: [slack:USECOPS]
  - verbs: [delete]
    request: [slack:group:S0614TZR7]
  - verbs: ["*"]
    request: [slack:U024BE7LH]
    channels: [slack:C0123]
`)
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		subject   Subject
		rule      int
		approval  bool
		slackAsks int
	}{
		{"named user: rule 3, no Slack", alice, 2, false, 0},
		{"group member: rule 2 after asking Slack", oncall, 1, false, 1},
		{"anyone else: rule 1 with approval", mallory, 0, true, 1},
		{"named user elsewhere: rule 1 with approval", in(alice, "C9"), 0, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := groups()
			d := p.WithGroups(g).Decide(ctx, Request{Verb: "delete", Subject: tc.subject, Count: 5})
			if !d.Allowed || d.Rule.Index != tc.rule || d.NeedsApproval != tc.approval {
				t.Errorf("got %+v, want rule index %d approval %v", d, tc.rule, tc.approval)
			}
			if g.count() != tc.slackAsks {
				t.Errorf("asked Slack %d times, want %d", g.count(), tc.slackAsks)
			}
		})
	}
	// With Slack down, the group member still gets the (stricter) rule 1.
	g := groups()
	g.err = errSlackDown
	d := p.WithGroups(g).Decide(ctx, Request{Verb: "delete", Subject: oncall, Count: 5})
	if !d.Allowed || d.Rule.Index != 0 || !d.NeedsApproval {
		t.Errorf("Slack down: %+v", d)
	}
}

func TestMayApprove(t *testing.T) {
	ctx := context.Background()
	p := example(t, groups())
	rule := p.Rules[0]
	for _, tc := range []struct {
		name      string
		subject   Subject
		slackDown bool
		ok        bool
		why       string
	}{
		{"secops member", secops, false, true, ""},
		{"Discord approver role", Subject{Platform: Discord, UserID: "5", Roles: []string{"5566"}}, false, true, ""},
		// The requester alice is in S0SECOPS: the policy says yes; the bot
		// must still refuse her approving her own request.
		{"requester who is also an approver", alice, false, true, ""},
		{"outsider", mallory, false, false, "slack:UMALLORY may not approve this: only a member of slack:group:S0SECOPS or a member of discord:role:5566 may"},
		{"Slack down", secops, true, false, "Slack could not be asked who is in slack:group:S0SECOPS (usergroups.users.list: HTTP 503)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := groups()
			if tc.slackDown {
				g.err = errSlackDown
			}
			ok, why := p.WithGroups(g).MayApprove(ctx, rule, tc.subject)
			if ok != tc.ok || !strings.Contains(why, tc.why) {
				t.Errorf("MayApprove = %v, %q; want %v, %q", ok, why, tc.ok, tc.why)
			}
		})
	}
	if ok, _ := p.MayApprove(ctx, p.Rules[1], secops); ok {
		t.Error("a rule without second_approval_over has approvers")
	}
}
