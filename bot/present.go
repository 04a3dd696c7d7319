package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// presenter owns every sentence the core shows a user: the replies of each
// step, and the text of each error. The sandbox note goes on every reply
// in one place, shown, which the bot's entry points apply to what they
// return.
type presenter struct {
	note string        // added to every footer (the sandbox warning)
	ttl  time.Duration // how long a confirmation lasts
}

// finish adds the note to a reply's footer.
func (p presenter) finish(r reply.Reply) reply.Reply {
	if p.note != "" {
		if r.Footer != "" {
			r.Footer += " "
		}
		r.Footer += p.note
	}
	return r
}

// shown is an outcome as the adapter gets it: its reply, the replies of
// its work and their progress, and its stop notice all finished.
func (p presenter) shown(o Outcome) Outcome {
	if o.Form != nil || o.Replay {
		return o
	}
	o.Reply = p.finish(o.Reply)
	if work := o.Work; work != nil {
		o.Work = func(ctx context.Context, progress Progress) reply.Reply {
			show := Progress(nil)
			if progress != nil {
				show = func(r reply.Reply) { progress(p.finish(r)) }
			}
			return p.finish(work(ctx, show))
		}
	}
	if enrich := o.Enrich; enrich != nil {
		o.Enrich = func(ctx context.Context, show func(context.Context, reply.Reply)) {
			enrich(ctx, func(ctx context.Context, r reply.Reply) { show(ctx, p.finish(r)) })
		}
	}
	if unfinished := o.Unfinished; unfinished != nil {
		o.Unfinished = func() reply.Reply { return p.finish(unfinished()) }
	}
	return o
}

// working is the reply while a non-destructive action runs.
func working(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Info, Title: "Working on it: " + describe(s) + "…"}
}

// confirmation asks the requester to confirm a stored action.
func (p presenter) confirmation(rec pending.Record, s commands.Summary) reply.Reply {
	what := describe(s)
	lines := []string{rec.Requester.Name + " asked to " + what + " in " + s.Vendor + "."}
	if len(rec.Approvers) > 0 {
		lines = append(lines, "After your Confirm, a second person must approve it: one of "+strings.Join(rec.Approvers, ", ")+".")
	}
	return reply.Reply{
		Tone:  reply.Warning,
		Title: "Confirm: " + what + "?",
		Lines: lines,
		Lists: idList(s),
		Buttons: []reply.Button{
			{Label: "Confirm", Press: reply.Press{Kind: reply.Confirm, Value: rec.Token}, Style: reply.Danger},
			{Label: "Cancel", Press: reply.Press{Kind: reply.Cancel, Value: rec.Token}},
		},
		Footer: fmt.Sprintf("Only %s can confirm. Expires in %s (at %s UTC).", rec.Requester.Name, humanDuration(p.ttl), rec.ExpiresAt.UTC().Format("15:04:05")),
	}
}

// cancelled answers a Cancel.
func cancelled(s commands.Summary, by commands.Caller) reply.Reply {
	return reply.Reply{Tone: reply.Info, Title: "Cancelled: " + describe(s),
		Lines: []string{"Cancelled by " + by.Name + ". Nothing was changed."}}
}

// running answers the Confirm (or Approve) that starts an action.
func running(s commands.Summary, rec pending.Record, approver *commands.Caller) reply.Reply {
	by := "Confirmed by " + rec.ConfirmedBy.Name + "."
	if approver != nil {
		by = "Confirmed by " + rec.ConfirmedBy.Name + ", approved by " + approver.Name + "."
	}
	return reply.Reply{Tone: reply.Info, Title: "Running: " + describe(s) + "…", Lines: []string{by}, Lists: idList(s)}
}

// awaitingApproval is the requester's reply to their Confirm on an action
// that needs a second person (mine), and the request for approval posted
// where others see it (ask).
func awaitingApproval(rec pending.Record, s commands.Summary) (mine, ask reply.Reply) {
	who := strings.Join(rec.Approvers, ", ")
	mine = reply.Reply{Tone: reply.Info, Title: "Confirmed; waiting for a second approval: " + describe(s),
		Lines: []string{"Confirmed by " + rec.ConfirmedBy.Name + ". It runs once one of " + who + " approves."}}
	ask = reply.Reply{Tone: reply.Warning, Public: true, NewMessage: true,
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
	return mine, ask
}

// expired replaces a confirmation that expired unconfirmed.
func (p presenter) expired(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s),
		Lines: []string{fmt.Sprintf("Not confirmed within %s. Nothing was changed; run the command again if it is still needed.", humanDuration(p.ttl))}}
}

// approvalExpired replaces the requester's message of an action they
// confirmed that no second person approved in time.
func (p presenter) approvalExpired(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s) + " was not approved",
		Lines: []string{fmt.Sprintf("You confirmed it, and it waited for a second approval that did not come within %s. Nothing was changed; run the command again if it is still needed.", humanDuration(p.ttl))}}
}

// approvalExpiredPublic replaces the public approval request that nobody
// approved in time: its buttons are gone.
func (p presenter) approvalExpiredPublic(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Public: true, Title: "Approval expired: " + describe(s),
		Lines: []string{fmt.Sprintf("No second approval came within %s, so nothing was run. To try again, run the command again.", humanDuration(p.ttl))},
		Lists: idList(s)}
}

// dropped replaces a confirmation a stop forgot.
func dropped(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Title: "The bot restarted: " + describe(s) + " was not run",
		Lines: []string{"This confirmation was lost when the bot stopped. Nothing was changed; run the command again if it is still needed."}}
}

// stopped is the notice of an action the bot stopped before it returned.
func stopped(s commands.Summary) reply.Reply {
	check := "check " + s.Vendor + " before trying again"
	if s.Vendor == "" {
		check = "run it again"
	}
	return reply.Reply{Tone: reply.Warning, Public: true, Title: "Outcome unknown: " + describe(s),
		Lines: []string{"The bot was stopped (a restart or a deploy) while this was running, so it cannot say what " + s.Vendor + " did.",
			"Please " + check + "."},
		Lists: idList(s)}
}

// orphaned replaces the message of an action whose process died.
func orphaned(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Public: true, Title: "Outcome unknown: " + describe(s),
		Lines: []string{fmt.Sprintf("The bot restarted while this was running, so whether %s acted is unknown. Check these IDs in %s before trying again.", s.Vendor, s.Vendor)},
		Lists: idList(s)}
}

// unknownButton answers a press the bot does not know.
var unknownButton = reply.Reply{Tone: reply.Failure, Title: "This button is not known to the bot."}

// fencedLine heads the result of an action whose lease was lost: it sent
// no further call, and the result says what was done and not attempted.
const fencedLine = "The bot lost its lease on this action while it ran, so it may already have said the outcome was unknown; it sent no vendor call after that, and this is its actual result: what was done, and what was not attempted."

// notStarted answers a Confirm whose action could not be recorded as
// running: it did not start.
func notStarted(s commands.Summary, ref string) reply.Reply {
	return reply.Reply{Tone: reply.Failure, Public: true, Title: "Nothing was run: " + describe(s),
		Lines: []string{"The bot could not record this action as running (its store did not answer), so it did not start: nothing was sent to " + s.Vendor + ".",
			"Run the command again in a minute (ref " + ref + ")."}}
}

// fencedBeforeStart is the result of an action that lost its lease
// before its first vendor call.
func fencedBeforeStart(s commands.Summary) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Public: true, Title: "Nothing was run: " + describe(s),
		Lines: []string{"The bot lost track of this action before its first call (it may already have said the outcome was unknown), so nothing was sent to " + s.Vendor + ". Run the command again if it is still needed."}}
}

// repeated answers the same create sent again: the first one's ticket,
// that it still runs, or that its outcome is unknown.
func repeated(s commands.Summary, value string) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Lines: []string{fmt.Sprintf("You sent the same %s within %s; no second one was made.", s.Verb, humanDuration(onceWindow))}}
	switch value {
	case onceRunning:
		r.Title = "Already on it: " + describe(s) + ". The first request is still running; its result will follow."
	case onceUnknown:
		r.Title = "The first attempt to " + describe(s) + " has an unknown outcome."
		r.Lines = append(r.Lines, "Check "+s.Vendor+" before trying again; the same request is refused for a while so it cannot make a second one.")
	default:
		r.Title = "Already done: " + describe(s) + " made " + value + "."
	}
	return r
}

// refusal is the reply to a request or click that may not proceed: the
// error says why, with the data to say it. event is the step refused;
// rec is the confirmation, if known.
func (p presenter) refusal(err error, s commands.Summary, rec pending.Record, event Step) reply.Reply {
	var (
		notAllowed  *NotAllowedError
		notApprover *NotApproverError
		tooMany     *pending.TooManyError
		settled     *pending.SettledError
		store       *StoreError
	)
	switch {
	case errors.As(err, &notAllowed) && notAllowed.Again:
		return reply.Reply{Tone: reply.Failure, Title: "Not allowed any more: nothing was run.",
			Lines: []string{"The access policy changed since this was asked for. " + capitalize(notAllowed.Why)}}
	case errors.As(err, &notAllowed):
		return reply.Reply{Tone: reply.Failure, Title: "Not allowed: nothing was run.", Lines: []string{capitalize(notAllowed.Why)}}
	case errors.As(err, &notApprover):
		lines := []string{"Only " + strings.Join(notApprover.Approvers, " or ") + " may approve it."}
		if len(notApprover.Approvers) == 0 {
			lines = []string{"It is not waiting for an approval."}
		}
		if notApprover.Groups {
			lines = append(lines, "Slack could not be asked who is in those groups just now, so this is refused rather than guessed; try again in a minute.")
		}
		return reply.Reply{Tone: reply.Warning, Title: "You may not approve this.", Lines: lines}
	case errors.As(err, &tooMany):
		return p.tooMany(tooMany)
	case errors.As(err, &store):
		return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: the bot cannot reach its store of confirmations right now.",
			Lines: []string{"Destructive commands wait until it is back, so that nothing runs unconfirmed. Try again in a minute (ref " + store.Ref + ")."}}
	case errors.Is(err, pending.ErrNotDurable):
		return reply.Reply{Tone: reply.Warning, Title: "Nothing was run: the store of confirmations could not make sure this click would survive a failover (one may be under way).",
			Lines: []string{"Press again in a moment; if it then says it was already confirmed, run the command again."}}
	case errors.Is(err, pending.ErrNotRequester):
		return reply.Reply{Tone: reply.Warning, Title: "Only " + rec.Requester.Name + " can " + string(event) + " this.",
			Lines: []string{"Ask them, or run the command yourself."}}
	case errors.Is(err, pending.ErrApprovalChanged):
		return reply.Reply{Tone: reply.Info, Title: "This confirmation changed while you pressed: press again."}
	case errors.Is(err, pending.ErrRequester):
		return reply.Reply{Tone: reply.Warning, Title: "You asked for this, so you cannot also approve it.",
			Lines: []string{"A second person must: one of " + strings.Join(rec.Approvers, ", ") + "."}}
	case errors.As(err, &settled) && settled.State == pending.Expired:
		return reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s), Lines: []string{settledSentence(settled)}}
	case errors.As(err, &settled):
		return reply.Reply{Tone: reply.Info, Title: settledSentence(settled)}
	case errors.As(err, new(*RestartedError)):
		return reply.Reply{Tone: reply.Warning, Title: "The bot restarted: nothing was run.",
			Lines: []string{"This confirmation was dropped when the bot stopped (open confirmations do not survive a restart). Run the command again if it is still needed."}}
	case errors.Is(err, pending.ErrUnknownToken):
		return reply.Reply{Tone: reply.Warning, Title: "This confirmation is not known: it was never issued, or it expired over an hour ago. Nothing was changed; run the command again."}
	}
	return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + err.Error()}
}

// settledSentence says what became of a confirmation that can no longer move.
func settledSentence(e *pending.SettledError) string {
	at := e.At.UTC().Format("15:04:05")
	switch e.State {
	case pending.Expired:
		return "This confirmation expired at " + at + " UTC. Nothing was changed; run the command again."
	case pending.AwaitingApproval:
		return "This was confirmed by " + e.By.Name + " at " + at + " UTC and is waiting for a second approval."
	}
	return "This was already " + e.State.String() + " by " + e.By.Name + " at " + at + " UTC."
}

func (p presenter) tooMany(e *pending.TooManyError) reply.Reply {
	title := fmt.Sprintf("Nothing was run: The bot holds %d confirmations, its limit (%d).", e.Open, e.Limit)
	line := "Try again in a few minutes, when some have been confirmed, cancelled or expired. If this keeps happening, tell whoever runs the bot."
	if e.User {
		title = fmt.Sprintf("Nothing was run: You have %d confirmations waiting, the most one person may have (%d).", e.Open, e.Limit)
		line = fmt.Sprintf("Confirm or cancel the ones you have (their messages carry the buttons), or let them expire: each lasts %s.", humanDuration(p.ttl))
	}
	return reply.Reply{Tone: reply.Failure, Title: title, Lines: []string{line}}
}

// failure shows a user's mistake or a vendor's answer as it is; anything
// else is an internal error, shown by its reference (internal).
func failure(err error, internal func() reply.Reply) reply.Reply {
	var usage *commands.UsageError
	var notConfigured *commands.NotConfiguredError
	var vendorErr *vendors.Error
	var unreachable *vendors.UnreachableError
	var notSent *vendors.NotSentError
	switch {
	case errors.As(err, &usage):
		return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + usage.Problem, Code: usage.Usage}
	case errors.As(err, &notConfigured):
		return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + notConfigured.Vendor + " is not configured.", Lines: []string{capitalize(notConfigured.Hint) + "."}}
	case errors.As(err, &vendorErr):
		lines := []string{}
		if vendorErr.Code != "" {
			lines = append(lines, "Code: "+reply.CodeSpan(vendorErr.Code))
		}
		if vendorErr.Message != "" {
			lines = append(lines, "Message: "+vendorErr.Message)
		}
		if vendorErr.RequestID != "" {
			lines = append(lines, "Request ID: "+reply.CodeSpan(vendorErr.RequestID))
		}
		title := vendorErr.Vendor + " refused the request"
		if vendorErr.Status != 0 {
			title += fmt.Sprintf(" (HTTP %d)", vendorErr.Status)
		}
		return reply.Reply{Tone: reply.Failure, Title: title, Lines: lines}
	case errors.As(err, &unreachable):
		return outcomeUnknown(unreachable, commands.Summary{Vendor: unreachable.Vendor})
	case errors.As(err, &notSent):
		return reply.Reply{Tone: reply.Failure, Title: notSent.Vendor + " could not be reached: nothing was sent, so nothing changed.",
			Lines: []string{capitalize(notSent.Reason) + ". Try again in a moment; if it keeps happening, the bot's endpoint for " + notSent.Vendor + " or the network is at fault."}}
	}
	return internal()
}

// internalError is what a user sees of our own failure: its reference.
func internalError(ref string) reply.Reply {
	return reply.Reply{Tone: reply.Failure, Title: "Something went wrong on our side (ref " + ref + ").",
		Lines: []string{"The details are in the bot's log under that reference."}}
}

// outcomeUnknown says that a vendor may have acted: never "failed", so
// nobody retries or escalates on a false picture, and how to check.
func outcomeUnknown(e *vendors.UnreachableError, s commands.Summary) reply.Reply {
	what := describe(s)
	if s.Operation == "" {
		what = "the request"
	}
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("no answer within %s", e.Timeout)
	}
	r := reply.Reply{Tone: reply.Warning, Title: e.Vendor + ": outcome unknown: " + what,
		Lines: []string{
			fmt.Sprintf("%s gave no trustworthy answer (%s), so it may have acted.", e.Vendor, reason),
			fmt.Sprintf("Check in %s before trying again.", e.Vendor),
		},
		Lists: idList(s)}
	if e.RequestID != "" {
		r.Lines = append(r.Lines, "Request ID: "+reply.CodeSpan(e.RequestID)+" (quote it to "+e.Vendor+"'s support).")
	}
	if len(s.IDs) > 0 {
		r.Lines[1] = fmt.Sprintf("Check these IDs in %s before trying again.", e.Vendor)
	}
	return r
}

// describe is "delete 2 incidents" style wording for titles.
func describe(s commands.Summary) string {
	if len(s.IDs) == 0 {
		if s.Target != "" {
			return s.Operation + " " + s.Target
		}
		return s.Operation
	}
	d := s.Operation
	if s.Target != "" {
		d += " " + s.Target
	}
	return d + " (" + strconv.Itoa(len(s.IDs)) + ")"
}

func idList(s commands.Summary) []reply.List {
	if len(s.IDs) == 0 {
		return nil
	}
	return []reply.List{reply.IDs("IDs ("+strconv.Itoa(len(s.IDs))+")", s.IDs)}
}

// humanDuration writes 5m0s as "5m" and 1h30m0s as "1h30m".
func humanDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
