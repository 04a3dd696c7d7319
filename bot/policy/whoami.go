package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Line is one verb in WhoAmI's answer.
type Line struct {
	Verb       string // "*" only for the single line of a nil Policy
	MayRequest bool
	// SecondApprovalOver is, when MayRequest, how many IDs the subject may
	// act on alone here; -1 means any number.
	SecondApprovalOver int
	Approvers          []string // who may approve above that, as written in the file
	MayApprove         bool     // the subject may be the second person for this verb here
	Note               string   // e.g. that Slack could not be asked
}

// String renders the line for a chat reply:
// "delete: may request; more than 10 IDs need a second person (a member of slack:group:S0SECOPS)".
func (l Line) String() string {
	var parts []string
	switch {
	case !l.MayRequest:
		parts = append(parts, "may not request")
	case l.SecondApprovalOver < 0:
		parts = append(parts, "may request")
	default:
		parts = append(parts, fmt.Sprintf("may request; more than %d IDs need a second person (%s)",
			l.SecondApprovalOver, strings.Join(l.Approvers, ", ")))
	}
	if l.MayApprove {
		parts = append(parts, "may approve others' requests")
	}
	if l.Note != "" {
		parts = append(parts, l.Note)
	}
	return l.Verb + ": " + strings.Join(parts, "; ")
}

// WhoAmI lists, per verb, what s may request and approve in s's channel.
// A nil Policy answers one line saying every user may run every verb.
func (p *Policy) WhoAmI(ctx context.Context, s Subject) []Line {
	if p == nil {
		return []Line{{Verb: "*", MayRequest: true, SecondApprovalOver: -1, Note: NoPolicy}}
	}
	m := p.memo()
	var lines []Line
	for _, verb := range p.verbNames() {
		l := Line{Verb: verb, SecondApprovalOver: -1}
		var best *Rule
		for _, r := range p.Rules {
			if !r.names(verb) || !r.where(s) {
				continue
			}
			if !l.MayApprove && r.SecondApprovalOver >= 0 &&
				(m.matches(ctx, r.Approve, s, false) || m.matches(ctx, r.Approve, s, true)) {
				l.MayApprove = true
			}
			if best != nil && best.SecondApprovalOver < 0 {
				continue // already unlimited
			}
			if !m.matches(ctx, r.Request, s, false) && !m.matches(ctx, r.Request, s, true) {
				continue
			}
			if best == nil || r.SecondApprovalOver < 0 || r.SecondApprovalOver > best.SecondApprovalOver {
				best = r
			}
		}
		if best != nil {
			l.MayRequest = true
			l.SecondApprovalOver = best.SecondApprovalOver
			if best.SecondApprovalOver >= 0 {
				l.Approvers = principalStrings(best.Approve)
			}
		}
		if failed := m.failedFor(p.Rules, verb); len(failed) > 0 {
			l.Note = "Slack could not be asked who is in " + joinOr(failed) + ", so those groups count as not yours"
		}
		lines = append(lines, l)
	}
	return lines
}

// verbNames is the known verbs given to Parse or, without them, the verbs
// the rules name.
func (p *Policy) verbNames() []string {
	if len(p.verbs) > 0 {
		return p.verbs
	}
	var out []string
	for _, r := range p.Rules {
		for _, v := range r.Verbs {
			if v != "*" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}
