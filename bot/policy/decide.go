package policy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Subject is who is asking (or approving), and where. The bot builds one
// per interaction from what the platform says.
type Subject struct {
	Platform string   // Slack, Discord or Console
	UserID   string   // Slack user ID (U…) or Discord user ID; any name on the console
	Roles    []string // Discord: the member's role IDs from the interaction
	Channel  string   // channel ID on that platform (C0123, 1122); unused on the console
}

// String names the subject in messages: "slack:U024BE7LH".
func (s Subject) String() string {
	if s.Platform == Console {
		return "the terminal user"
	}
	if s.Platform == Discord {
		return "discord:user:" + s.UserID
	}
	return s.Platform + ":" + s.UserID
}

// here names the subject's channel in messages: "slack:C0123".
func (s Subject) here() string {
	if s.Platform == Console {
		return "the terminal"
	}
	if s.Channel == "" {
		return "this place"
	}
	return s.Platform + ":" + s.Channel
}

// Request is one thing a subject asks the bot to do. The channel is the
// subject's.
type Request struct {
	Verb    string
	Subject Subject
	Count   int // how many IDs the request names; compared with second_approval_over
}

// Decision is what the policy says about a Request.
type Decision struct {
	Allowed bool
	// Rule is the rule that allowed the request; nil when refused or when
	// there is no policy.
	Rule *Rule
	// NeedsApproval is set when the request has more IDs than the rule's
	// second_approval_over: a second person from Approvers must approve it.
	NeedsApproval bool
	Approvers     []string // principals, as written in the file
	// Reason says why, in words for the responder: on a refusal, which
	// rules would allow it and, when Slack could not be asked, that.
	Reason string
	// Err is set when Slack could not be asked about a group; the request
	// was refused (or the approver turned away) for that reason. Log it.
	Err error
}

// Decide says whether req is allowed. A nil Policy allows everything.
// Anything no rule allows is refused. Slack user groups are resolved only
// for rules that name the verb and the channel and only when nothing
// cheaper allowed the request; a failure to ask Slack never allows.
func (p *Policy) Decide(ctx context.Context, req Request) Decision {
	if p == nil {
		return Decision{Allowed: true, Reason: NoPolicy}
	}
	m := p.memo()
	var candidates, needApproval []*Rule
	for _, r := range p.Rules {
		if !r.names(req.Verb) || !r.where(req.Subject) {
			continue
		}
		if r.needsApproval(req.Count) {
			needApproval = append(needApproval, r)
		} else {
			candidates = append(candidates, r)
		}
	}
	// Prefer a rule that needs no second person; within each tier, first
	// try every rule without asking Slack, then with.
	for _, tier := range [][]*Rule{candidates, needApproval} {
		for _, groups := range []bool{false, true} {
			for _, r := range tier {
				if m.matches(ctx, r.Request, req.Subject, groups) {
					return allowed(r, req)
				}
			}
		}
	}
	return Decision{Reason: p.refusal(ctx, req, m), Err: m.err()}
}

func allowed(r *Rule, req Request) Decision {
	d := Decision{Allowed: true, Rule: r, Reason: "allowed by " + r.String()}
	if r.needsApproval(req.Count) {
		d.NeedsApproval = true
		d.Approvers = principalStrings(r.Approve)
		d.Reason += fmt.Sprintf("; %d IDs is over %d, so a second person must approve: %s",
			req.Count, r.SecondApprovalOver, joinOr(principalWords(r.Approve)))
	}
	return d
}

// refusal says who could ask for the verb and where, and why Slack was no
// help if it was asked and failed.
func (p *Policy) refusal(ctx context.Context, req Request, m *memo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is refused for %s in %s.", req.Verb, req.Subject, req.Subject.here())
	// Named elsewhere? Say so first: the fix is to move, not to ask.
	var elsewhere []string
	for _, r := range p.Rules {
		if r.names(req.Verb) && !r.where(req.Subject) && m.matches(ctx, r.Request, req.Subject, false) {
			elsewhere = append(elsewhere, channelStrings(r.Channels)...)
		}
	}
	if len(elsewhere) > 0 {
		fmt.Fprintf(&b, " You may ask for it only in: %s.", strings.Join(slices.Compact(elsewhere), ", "))
		if req.Subject.Platform == Console {
			b.WriteString(" (A rule with channels applies to the terminal only if it lists console.)")
		}
	}
	if failed := m.failures(); len(failed) > 0 {
		fmt.Fprintf(&b, " Slack could not be asked who is in %s, so the policy refuses rather than guess; try again in a minute.",
			joinOr(failed))
	}
	var needs []string
	for _, r := range p.Rules {
		if r.names(req.Verb) {
			needs = append(needs, r.needs())
		}
	}
	if len(needs) == 0 {
		fmt.Fprintf(&b, " No rule in %s allows %s.", p.File, req.Verb)
		return b.String()
	}
	fmt.Fprintf(&b, " %s needs %s.", req.Verb, strings.Join(needs, "; or "))
	return b.String()
}

// MayApprove reports whether s may be the second person for an action that
// rule allowed, and if not, why. It does not check that s is not the
// requester: the bot must refuse that itself. A nil rule needs no approval,
// so nobody may approve it.
func (p *Policy) MayApprove(ctx context.Context, rule *Rule, s Subject) (bool, string) {
	a := p.Approval(ctx, rule, s)
	return a.Allowed, a.Reason
}

// Approval is the policy's answer to a would-be approver, as data.
type Approval struct {
	Allowed bool
	Reason  string // why not, in words for the responder
	// Err is set when Slack could not be asked about a group named as an
	// approver: the approval was refused rather than guessed.
	Err error
}

// Approval is MayApprove with its answer as data: the caller can tell a
// refusal for want of Slack's answer (Err) from a plain one.
func (p *Policy) Approval(ctx context.Context, rule *Rule, s Subject) Approval {
	if rule == nil || rule.SecondApprovalOver < 0 {
		return Approval{Reason: "this action needs no second approval"}
	}
	m := p.memo()
	for _, groups := range []bool{false, true} {
		if m.matches(ctx, rule.Approve, s, groups) {
			return Approval{Allowed: true}
		}
	}
	why := fmt.Sprintf("%s may not approve this: only %s may (%s).", s, joinOr(principalWords(rule.Approve)), rule)
	if failed := m.failures(); len(failed) > 0 {
		why += fmt.Sprintf(" Slack could not be asked who is in %s, so this is refused rather than guessed; try again in a minute.", joinOr(failed))
	}
	return Approval{Reason: why, Err: m.err()}
}

func principalWords(ps []Principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.words()
	}
	return out
}

// memo asks the resolver at most once per group within one decision, and
// remembers which groups could not be resolved.
type memo struct {
	groups  GroupResolver
	members map[string][]string
	errs    map[string]error
}

func (p *Policy) memo() *memo {
	var g GroupResolver
	if p != nil {
		g = p.groups
	}
	return &memo{groups: g, members: map[string][]string{}, errs: map[string]error{}}
}

// matches reports whether s is one of ps. With groups false it never asks
// the resolver; with groups true it only checks Slack groups.
func (m *memo) matches(ctx context.Context, ps []Principal, s Subject, groups bool) bool {
	for _, pr := range ps {
		if groups != (pr.Kind == SlackGroup) {
			continue
		}
		switch pr.Kind {
		case Everyone:
			return true
		case ConsoleUser:
			if s.Platform == Console {
				return true
			}
		case SlackUser:
			if s.Platform == Slack && s.UserID == pr.ID {
				return true
			}
		case DiscordUser:
			if s.Platform == Discord && s.UserID == pr.ID {
				return true
			}
		case DiscordRole:
			if s.Platform == Discord && slices.Contains(s.Roles, pr.ID) {
				return true
			}
		case SlackGroup:
			if s.Platform != Slack || s.UserID == "" {
				continue
			}
			members, err := m.lookup(ctx, pr.ID)
			if err == nil && slices.Contains(members, s.UserID) {
				return true
			}
		}
	}
	return false
}

func (m *memo) lookup(ctx context.Context, group string) ([]string, error) {
	if err, ok := m.errs[group]; ok {
		return nil, err
	}
	if members, ok := m.members[group]; ok {
		return members, nil
	}
	if m.groups == nil {
		m.errs[group] = errNoResolver
		return nil, errNoResolver
	}
	members, err := m.groups.Members(ctx, group)
	if err != nil {
		m.errs[group] = err
		return nil, err
	}
	m.members[group] = members
	return members, nil
}

// failures lists the groups that could not be resolved, with the error,
// sorted: "slack:group:S1 (HTTP 503)".
func (m *memo) failures() []string {
	var out []string
	for g, err := range m.errs {
		out = append(out, fmt.Sprintf("slack:group:%s (%v)", g, err))
	}
	slices.Sort(out)
	return out
}

// err joins the resolver errors, or is nil.
func (m *memo) err() error {
	var errs []error
	for _, g := range slices.Sorted(maps.Keys(m.errs)) {
		errs = append(errs, fmt.Errorf("slack:group:%s: %w", g, m.errs[g]))
	}
	return errors.Join(errs...)
}

// failedFor lists the failed groups that rules naming verb mention.
func (m *memo) failedFor(rules []*Rule, verb string) []string {
	var out []string
	for _, r := range rules {
		if !r.names(verb) {
			continue
		}
		for _, pr := range slices.Concat(r.Request, r.Approve) {
			if _, failed := m.errs[pr.ID]; failed && pr.Kind == SlackGroup && !slices.Contains(out, pr.String()) {
				out = append(out, pr.String())
			}
		}
	}
	slices.Sort(out)
	return out
}
