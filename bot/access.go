package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
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

// decide asks the policy whether this request may go ahead. A refusal is
// audited and answered with the rule that would allow it.
func (b *Bot) decide(ctx context.Context, req Request, s commands.Summary) (policy.Decision, *Outcome) {
	if alwaysAllowed(s.Verb) {
		return policy.Decision{Allowed: true}, nil
	}
	d := b.policy().Decide(ctx, policy.Request{Verb: s.Verb, Subject: subject(req.Caller, req.Roles, req.Channel), Count: len(s.IDs)})
	if d.Allowed {
		return d, nil
	}
	attrs := []any{slog.String("problem", d.Reason)}
	if d.Err != nil {
		attrs = append(attrs, slog.String("error", d.Err.Error()))
	}
	b.auditEvent("request", req.Caller, req.Channel, s, "denied", attrs...)
	o := Outcome{Reply: b.finish(reply.Reply{Tone: reply.Failure, Title: "Not allowed: nothing was run.", Lines: []string{capitalize(d.Reason)}})}
	return d, &o
}

// whoami lists what the caller may request and approve here.
func (b *Bot) whoami(ctx context.Context, req Request) Outcome {
	p := b.policy()
	r := reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("You are %s:%s (%s), in %s.", req.Caller.Platform, req.Caller.UserID, req.Caller.Name, req.Channel)}
	if p.Open() {
		r.Lines = []string{capitalize(policy.NoPolicy) + "."}
		return Outcome{Reply: b.finish(r)}
	}
	for _, l := range p.WhoAmI(ctx, subject(req.Caller, req.Roles, req.Channel)) {
		if alwaysAllowed(l.Verb) { // the bot answers these whatever the policy says
			l.MayRequest, l.SecondApprovalOver, l.Note = true, -1, "always allowed"
		}
		r.Lines = append(r.Lines, l.String())
	}
	r.Footer = "Policy: " + p.Describe() + "."
	return Outcome{Reply: b.finish(r)}
}

// dryRun shows what a destructive command would do, and does nothing.
func (b *Bot) dryRun(req Request, s commands.Summary, d policy.Decision) Outcome {
	r := reply.Reply{Tone: reply.Info, Title: "Dry run: " + describe(s) + ". Nothing was run and no confirmation was created.",
		Lines: []string{
			fmt.Sprintf("It would ask %s to %s.", s.Vendor, describe(s)),
			fmt.Sprintf("Vendor calls: %d × %s.", s.Calls, reply.CodeSpan(s.API)),
		},
		Lists: idList(s),
	}
	if d.NeedsApproval {
		r.Lines = append(r.Lines, "After your Confirm it would need a second approval from "+strings.Join(d.Approvers, ", ")+".")
	} else {
		r.Lines = append(r.Lines, "Your Confirm alone would run it.")
	}
	b.auditEvent("request", req.Caller, req.Channel, s, "dry run")
	return Outcome{Reply: b.finish(r)}
}

// approve is a second person's Approve on an action awaiting it: it must
// be someone the policy names for that action, not the requester, and it
// runs the action once.
func (b *Bot) approve(ctx context.Context, c Click) Outcome {
	rec, err := b.store.Get(ctx, c.Press.Value)
	if err != nil {
		return b.refusal(ctx, rec, c, "approve", err)
	}
	// Who may approve is checked against the approvers read here, and the
	// move below is refused unless the record still names exactly them:
	// no click can slip between this check and the move.
	if rec.State.Open() && !sameUser(c.Caller, rec.Requester) {
		if ok, why := b.mayApprove(ctx, rec, c); !ok {
			b.auditEvent("approve", c.Caller, c.Channel, b.summaryOf(rec), "refused: not an approver", slog.String("requester", rec.Requester.UserID), slog.String("problem", why))
			lines := []string{"Only " + strings.Join(rec.Approvers, " or ") + " may approve it."}
			if len(rec.Approvers) == 0 {
				lines = []string{"It is not waiting for an approval."}
			}
			if strings.Contains(why, "Slack could not be asked") {
				lines = append(lines, "Slack could not be asked who is in those groups just now, so this is refused rather than guessed; try again in a minute.")
			}
			return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "You may not approve this.", Lines: lines})}
		}
	}
	return b.settle(ctx, c, "approve", pending.Move{From: []pending.State{pending.AwaitingApproval}, To: pending.Confirmed, NotRequester: true,
		ApprovedFor: rec.Approvers}, &rec)
}

// recheck asks the policy again, when an action is confirmed or approved,
// whether its requester may still ask for it here: a revoked account must
// not run what it asked for before the revocation. It returns the
// approvers a second approval now needs (none if it needs none).
func (b *Bot) recheck(ctx context.Context, rec pending.Record, s commands.Summary, c Click, event string) ([]string, *Outcome) {
	d := b.policy().Decide(ctx, policy.Request{Verb: s.Verb, Subject: subject(rec.Requester, rec.Roles, rec.Channel), Count: len(s.IDs)})
	if d.Allowed {
		if d.NeedsApproval {
			return d.Approvers, nil
		}
		return nil, nil
	}
	b.auditEvent(event, c.Caller, c.Channel, s, "refused: the requester is no longer allowed", slog.String("problem", d.Reason))
	o := Outcome{Reply: b.finish(reply.Reply{Tone: reply.Failure, Title: "Not allowed any more: nothing was run.",
		Lines: []string{"The access policy changed since this was asked for. " + capitalize(d.Reason)}})}
	return nil, &o
}

// mayApprove checks the clicker against the approvers the record was
// stored with (the policy in force when it was asked for).
func (b *Bot) mayApprove(ctx context.Context, rec pending.Record, c Click) (bool, string) {
	rule := &policy.Rule{SecondApprovalOver: 0}
	for _, a := range rec.Approvers {
		p, err := policy.ParsePrincipal(a)
		if err != nil {
			continue
		}
		rule.Approve = append(rule.Approve, p)
	}
	p := b.policy()
	if p == nil {
		return false, "No access policy is loaded any more, so nobody is named to approve this. Ask the requester to run it again."
	}
	return p.MayApprove(ctx, rule, subject(c.Caller, c.Roles, c.Channel))
}

// awaitingApproval answers the requester's Confirm on an action that needs
// a second person: their message says so, and the request for approval,
// with Approve and Cancel, goes to the channel where others can see it.
func (b *Bot) awaitingApproval(rec pending.Record, s commands.Summary) Outcome {
	who := strings.Join(rec.Approvers, ", ")
	mine := reply.Reply{Tone: reply.Info, Title: "Confirmed; waiting for a second approval: " + describe(s),
		Lines: []string{"Confirmed by " + rec.ConfirmedBy.Name + ". It runs once one of " + who + " approves."}}
	ask := reply.Reply{Tone: reply.Warning, Public: true, NewMessage: true,
		Title: "Approval needed: " + describe(s) + "?",
		Lines: []string{
			fmt.Sprintf("%s asked to %s in %s and confirmed it.", rec.Requester.Name, describe(s), s.Vendor),
			"A second person must approve: one of " + who + ". The requester cannot approve their own action.",
		},
		Lists: idList(s),
		Buttons: []reply.Button{
			{Label: "Approve", Press: reply.Press{Kind: reply.Approve, Value: rec.Token}, Style: reply.Danger},
			{Label: "Cancel", Press: reply.Press{Kind: reply.Cancel, Value: rec.Token}},
		},
		Footer: fmt.Sprintf("Expires at %s UTC. Only %s can cancel.", rec.ExpiresAt.UTC().Format("15:04:05"), rec.Requester.Name),
	}
	ask = b.finish(ask)
	return Outcome{Reply: b.finish(mine), Work: func(context.Context) reply.Reply { return ask }}
}

func sameUser(a, b commands.Caller) bool { return a.Platform == b.Platform && a.UserID == b.UserID }
