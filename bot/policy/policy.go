package policy

import (
	"fmt"
	"slices"
	"strings"
)

// NoPolicy is what Describe says when no policy file is configured.
const NoPolicy = "no policy: every user may run every verb"

// Policy is a loaded policy file. It is never changed after Parse returns
// (WithGroups returns a copy), so it is safe for concurrent use. A nil
// *Policy means no policy file: everything is allowed.
type Policy struct {
	File   string  // the name given to Parse or the path given to Load
	Rules  []*Rule // in file order
	verbs  []string
	groups GroupResolver
}

// Rule is one entry of the policy's rules list.
type Rule struct {
	Index    int // 0-based position in the file's rules list
	File     string
	Line     int         // where the rule starts in the file
	Verbs    []string    // verb names; "*" is every verb
	Request  []Principal // who may ask
	Channels []Channel   // where; nil means anywhere
	// SecondApprovalOver is the ID count above which a second person from
	// Approve must approve; -1 when the rule never needs one.
	SecondApprovalOver int
	Approve            []Principal
}

// WithGroups returns a copy of p that asks r about Slack user groups
// (typically a *GroupCache around SlackGroups). Without a resolver a rule
// naming a Slack group never matches and the refusal says why.
func (p *Policy) WithGroups(r GroupResolver) *Policy {
	if p == nil {
		return nil
	}
	q := *p
	q.groups = r
	return &q
}

// Open reports whether p allows everything because no policy is configured.
func (p *Policy) Open() bool { return p == nil }

// Describe says in one line what is in force, for the start log and whoami.
func (p *Policy) Describe() string {
	if p == nil {
		return NoPolicy
	}
	return fmt.Sprintf("policy %s: %d rules; everything they do not allow is refused", p.File, len(p.Rules))
}

// names reports whether the rule lists verb (or "*").
func (r *Rule) names(verb string) bool {
	return slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")
}

// needsApproval reports whether count IDs need a second person under r.
func (r *Rule) needsApproval(count int) bool {
	return r.SecondApprovalOver >= 0 && count > r.SecondApprovalOver
}

// where reports whether the rule applies in the subject's channel.
func (r *Rule) where(s Subject) bool {
	if r.Channels == nil {
		return true
	}
	for _, c := range r.Channels {
		if c.Platform == s.Platform && (c.Platform == Console || c.ID == s.Channel) {
			return true
		}
	}
	return false
}

// String is a short description: "rule 1 (policy.yaml:2): delete, unlink
// by slack:U1, slack:group:S2 in slack:C0123; second approval over 10 by
// slack:group:S3".
func (r *Rule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule %d (%s:%d): %s by %s", r.Index+1, r.File, r.Line,
		strings.Join(r.Verbs, ", "), strings.Join(principalStrings(r.Request), ", "))
	if r.Channels != nil {
		fmt.Fprintf(&b, " in %s", strings.Join(channelStrings(r.Channels), ", "))
	}
	if r.SecondApprovalOver >= 0 {
		fmt.Fprintf(&b, "; second approval over %d by %s", r.SecondApprovalOver,
			strings.Join(principalStrings(r.Approve), ", "))
	}
	return b.String()
}

// needs says who the rule lets ask, and where: "a member of
// slack:group:S1 in one of: slack:C0123".
func (r *Rule) needs() string {
	var who []string
	for _, p := range r.Request {
		who = append(who, p.words())
	}
	s := joinOr(who)
	if r.Channels != nil {
		s += " in one of: " + strings.Join(channelStrings(r.Channels), ", ")
	}
	return s
}

func principalStrings(ps []Principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func channelStrings(cs []Channel) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}
