package bot

import (
	"context"
	"log/slog"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// Step is the kind of thing that happened: the audit line's "event".
type Step string

// The steps of a command's life. A request is answered once; a
// confirmation moves (confirm, cancel, approve, expire) until it runs; a
// run ends in one result; a result no route could show is a delivery.
const (
	StepRequest Step = "request"
	StepConfirm Step = "confirm"
	StepCancel  Step = "cancel"
	StepApprove Step = "approve"
	StepExpire  Step = "expire"
	StepResult  Step = "result"
	StepDeliver Step = "deliver"
)

// Verdict is how a step ended: the audit line's "outcome". The set is
// fixed; why a refusal happened is its Reason, not more words here.
type Verdict string

// The verdicts. The two "unknown: ..." and "dropped: ..." values keep the
// wording the audit log has always had, which operators query.
const (
	// A request's verdicts.
	Rejected             Verdict = "rejected"              // not understood or not configured: nothing done
	Denied               Verdict = "denied"                // the access policy said no
	Answered             Verdict = "answered"              // help, whoami: nothing to confirm or run
	DryRun               Verdict = "dry run"               // shown what it would do
	Running              Verdict = "running"               // a non-destructive action started
	AwaitingConfirmation Verdict = "awaiting confirmation" // a confirmation was stored
	// Verdicts of a request or a click.
	Refused Verdict = "refused" // not honoured; Reason says why
	Ignored Verdict = "ignored" // a repeat (a second create, a second click): nothing changed
	Failed  Verdict = "failed"  // our side failed (the store, a changed configuration)
	// A confirmation's moves.
	AwaitingApproval Verdict = "awaiting approval"
	Confirmed        Verdict = "confirmed"
	Cancelled        Verdict = "cancelled"
	Expired          Verdict = "expired"
	Dropped          Verdict = "dropped: the bot stopped"
	// A run's results (and Refused: the vendor refused it).
	Done           Verdict = "done"
	Unknown        Verdict = "unknown"
	NotSent        Verdict = "not sent"
	Error          Verdict = "error"
	StoppedRunning Verdict = "unknown: the bot stopped before the action finished"
	Orphaned       Verdict = "unknown: the bot stopped while this was running"
	// A delivery's.
	Undelivered Verdict = "undelivered"
)

// Reason says why a request or a click was refused, rejected or failed.
type Reason string

// The reasons.
const (
	NoReason            Reason = ""
	BadUsage            Reason = "usage"               // what was typed is wrong
	NotConfigured       Reason = "not_configured"      // the verb's vendor is not set up
	NotAllowed          Reason = "not_allowed"         // the policy refuses the requester
	GroupsUnavailable   Reason = "groups_unavailable"  // the policy could not ask Slack about a group
	NoLongerAllowed     Reason = "no_longer_allowed"   // the policy changed since the request
	TooManyPending      Reason = "too_many_pending"    // a limit on open confirmations
	StoreUnavailable    Reason = "store_unavailable"   // the confirmation store failed
	NotReplicated       Reason = "not_replicated"      // no store replica acknowledged a click in time
	ConfigChanged       Reason = "config_changed"      // a stored command no longer parses
	NotRequester        Reason = "not_requester"       // only the requester may confirm or cancel
	RequesterApproving  Reason = "requester_approving" // the requester may not approve
	NotApprover         Reason = "not_approver"        // the clicker is not a named approver
	ApprovalChanged     Reason = "approval_changed"    // the confirmation moved during the click
	AlreadySettled      Reason = "already_settled"     // a second click on a settled confirmation
	ConfirmationExpired Reason = "expired"             // a click after the expiry
	UnknownToken        Reason = "unknown_token"       // never issued, or long gone
	Repeat              Reason = "repeat"              // the same create again within minutes
)

// Event is one step of a command, emitted once (Bot.emit). The audit log,
// the metrics and the audit channel observe it; none is written anywhere
// else, so they cannot disagree.
type Event struct {
	Step    Step
	Verdict Verdict
	Reason  Reason
	Who     commands.Caller
	Channel string
	Summary commands.Summary
	// Verb is the metrics label: a schema verb or metrics.Unknown, never
	// the user's text (Summary.Verb may be what was typed).
	Verb string
	// Destructive results were counted as commands when asked for; other
	// results are counted when they come.
	Destructive bool
	// Attrs are the audit line's details (the problem, a token's prefix,
	// who approved, request IDs).
	Attrs []slog.Attr
	// Batch, on a result, is each ID's outcome, for observers that
	// decide from them (the terminal's exit status). Nil when the action
	// had no batch.
	Batch *vendors.BatchResult
	// post, on a result, is the audit channel's message, if it gets one.
	post *channelPost
}

// Observe adds f to the observers of every event, after the audit log,
// the metrics and the audit channel. f runs on the goroutine that emits
// the event, so it must be quick and must not call the bot. The terminal
// uses it to decide its exit status from what happened, not from text.
func (b *Bot) Observe(f func(Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var next []func(Event)
	if cur := b.observers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, f)
	b.observers.Store(&next)
}

// emit hands an event to every observer.
func (b *Bot) emit(ctx context.Context, e Event) {
	if e.Verb == "" {
		e.Verb = verbLabel([]string{e.Summary.Verb})
	}
	b.writeAudit(e)
	b.count(e)
	b.postAudit(ctx, e)
	if obs := b.observers.Load(); obs != nil {
		for _, f := range *obs {
			f(e)
		}
	}
}

// writeAudit is the audit log's observer: one JSON line per event. The
// one event it writes at debug level only is a public verb (help)
// answered: static text
// that shows nothing of any incident and changes nothing, counted in
// incidentbot_commands_total like every request. Writing it cost help
// about a tenth of its throughput (0.71 against 0.82 of the floor, side by
// side in one run of the in-process Ack benchmark), for a line no
// security team reads.
func (b *Bot) writeAudit(e Event) {
	level := slog.LevelInfo
	if e.Step == StepRequest && e.Verdict == Answered && public(e.Summary.Verb) {
		level = slog.LevelDebug
	}
	if !b.audit.Enabled(context.Background(), level) {
		return
	}
	s := e.Summary
	attrs := make([]slog.Attr, 0, 13+len(e.Attrs))
	attrs = append(attrs,
		slog.String("event", string(e.Step)),
		slog.String("platform", e.Who.Platform), slog.String("user", e.Who.UserID), slog.String("user_name", e.Who.Name),
		slog.String("channel", e.Channel),
		slog.String("verb", s.Verb), slog.String("vendor", s.Vendor), slog.String("operation", s.Operation),
		slog.Int("count", len(s.IDs)), slog.Any("ids", s.IDs),
		slog.String("outcome", string(e.Verdict)),
	)
	if e.Reason != NoReason {
		attrs = append(attrs, slog.String("reason", string(e.Reason)))
	}
	if s.Target != "" {
		attrs = append(attrs, slog.String("target", s.Target))
	}
	attrs = append(attrs, e.Attrs...)
	b.audit.LogAttrs(context.Background(), level, "audit", attrs...)
}

// count is the metrics' observer: every event is counted once.
func (b *Bot) count(e Event) {
	m, platform := b.metrics, e.Who.Platform
	switch e.Step {
	case StepRequest:
		switch e.Verdict {
		case Running: // counted by its result
		case Ignored:
			m.Command(platform, e.Verb, metrics.Duplicate)
		case Rejected:
			if e.Reason == BadUsage {
				m.Command(platform, e.Verb, metrics.UsageError)
			} else {
				m.Command(platform, e.Verb, metrics.Error)
			}
		case Denied, Refused:
			m.Command(platform, e.Verb, metrics.Denied)
		case Failed, Error:
			m.Command(platform, e.Verb, metrics.Error)
		default:
			m.Command(platform, e.Verb, metrics.OK)
		}
	case StepConfirm, StepCancel, StepApprove:
		switch e.Verdict {
		case Confirmed:
			m.Confirmation(metrics.Confirmed)
		case Cancelled:
			m.Confirmation(metrics.Cancelled)
		case AwaitingApproval:
			m.Confirmation(metrics.AwaitingApproval)
		default: // a click not honoured, whatever the reason
			m.Confirmation(metrics.Refused)
		}
	case StepExpire:
		if e.Verdict == Dropped {
			m.Confirmation(metrics.Dropped)
		} else {
			m.Confirmation(metrics.Expired)
		}
	case StepResult:
		m.ActionResult(e.Verb, resultMetric[e.Verdict])
		if e.Destructive || e.Verdict == StoppedRunning || e.Verdict == Orphaned {
			return // counted as a command when it was asked for, or already counted
		}
		switch {
		case e.Verdict == Done:
			m.Command(platform, e.Verb, metrics.OK)
		case e.Reason == BadUsage:
			m.Command(platform, e.Verb, metrics.UsageError)
		default:
			m.Command(platform, e.Verb, metrics.Error)
		}
	case StepDeliver:
		m.Undelivered(platform)
	}
}

// resultMetric is a result's label in incidentbot_action_results_total.
var resultMetric = map[Verdict]string{
	Done: "done", Refused: "refused", Unknown: "unknown", NotSent: "not_sent", Error: "error",
	StoppedRunning: "unknown", Orphaned: "unknown",
}
