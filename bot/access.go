package bot

import (
	"context"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
)

// policy is the access policy in force; nil allows every verb to everyone.
func (b *Bot) policy() *policy.Policy {
	if b.access == nil {
		return nil
	}
	return b.access.Policy()
}

func subject(who commands.Caller, roles []string, channel string) policy.Subject {
	return policy.Subject{Platform: who.Platform, UserID: who.UserID, Roles: roles, Channel: channel}
}

// alwaysAllowed are the verbs that change nothing and tell a user what
// they may do: refusing them would only leave a responder guessing.
func alwaysAllowed(verb string) bool {
	v, ok := commands.Lookup(verb)
	return ok && v.Informational
}

// public are the verbs whose answer is the same for anyone and goes in
// the acknowledgement alone (commands.Verb.Public).
func public(verb string) bool {
	v, ok := commands.Lookup(verb)
	return ok && v.Public
}

// decide asks the policy whether this request may go ahead; a refusal is a
// *NotAllowedError with the rule that would allow it.
func (b *Bot) decide(ctx context.Context, req Request, s commands.Summary) (policy.Decision, error) {
	if alwaysAllowed(s.Verb) {
		return policy.Decision{Allowed: true}, nil
	}
	d := b.policy().Decide(ctx, policy.Request{Verb: s.Verb, Subject: subject(req.Caller, req.Roles, req.Channel), Count: len(s.IDs)})
	if d.Allowed {
		return d, nil
	}
	return d, &NotAllowedError{Why: d.Reason, Groups: d.Err != nil, Err: d.Err}
}

// whoami lists what the caller may request and approve here.
func (b *Bot) whoami(ctx context.Context, req Request) Outcome {
	p := b.policy()
	if p.Open() {
		return Answer(whoami(req.Caller, req.Channel, nil, ""))
	}
	lines := p.WhoAmI(ctx, subject(req.Caller, req.Roles, req.Channel))
	for i, l := range lines {
		if alwaysAllowed(l.Verb) { // the bot answers these whatever the policy says
			lines[i].MayRequest, lines[i].SecondApprovalOver, lines[i].Note = true, -1, "always allowed"
		}
	}
	return Answer(whoami(req.Caller, req.Channel, lines, p.Describe()))
}

// recheck asks the policy again, when an action is confirmed or approved,
// whether its requester may still ask for it here: a revoked account must
// not run what it asked for before the revocation. It returns the
// approvers a second approval now needs (none if it needs none).
func (b *Bot) recheck(ctx context.Context, rec pending.Record, s commands.Summary) ([]string, error) {
	d := b.policy().Decide(ctx, policy.Request{Verb: s.Verb, Subject: subject(rec.Requester, rec.Roles, rec.Channel), Count: len(s.IDs)})
	if !d.Allowed {
		return nil, &NotAllowedError{Why: d.Reason, Again: true, Groups: d.Err != nil, Err: d.Err}
	}
	if d.NeedsApproval {
		return d.Approvers, nil
	}
	return nil, nil
}

// mayApprove checks the clicker against approvers: those today's policy
// names for the action (the caller asks it first).
func (b *Bot) mayApprove(ctx context.Context, approvers []string, c Click) error {
	rule := &policy.Rule{SecondApprovalOver: 0}
	for _, a := range approvers {
		p, err := policy.ParsePrincipal(a)
		if err != nil {
			continue
		}
		rule.Approve = append(rule.Approve, p)
	}
	p := b.policy()
	if p == nil {
		return &NotApproverError{Approvers: approvers, NoPolicy: true, Why: "no access policy is loaded"}
	}
	a := p.Approval(ctx, rule, subject(c.Caller, c.Roles, c.Channel))
	if a.Allowed {
		return nil
	}
	return &NotApproverError{Approvers: approvers, Why: a.Reason, Groups: a.Err != nil}
}
