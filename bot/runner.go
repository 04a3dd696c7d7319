package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// The runner: an action runs with a deadline of its own, its vendor
// requests counted and its progress shown; a confirmed one under a lease
// that another process can see lapse. Its result is one Event.

// trail is who had a hand in an action, for the audit log and channel.
type trail struct {
	requester commands.Caller
	confirmer commands.Caller // empty for an action that needs no confirmation
	// approver gave the second approval, where policy asked for one.
	approver commands.Caller
	channel  string
}

// trailOf names who had a hand in a stored action, for the audit channel.
func trailOf(rec pending.Record) trail {
	t := trail{requester: rec.Requester, confirmer: rec.ConfirmedBy, channel: rec.Channel}
	if rec.State == pending.Confirmed && rec.SettledBy.UserID != "" && !sameUser(rec.SettledBy, rec.ConfirmedBy) {
		t.approver = rec.SettledBy
	}
	return t
}

// run performs an action with a deadline of its own: the chat request that
// started it may be long gone.
// A partial batch result offers to act on the rest (offerRest).
func (b *Bot) run(ctx context.Context, a commands.Action, t trail, progress Progress, people ...slog.Attr) reply.Reply {
	res, r := b.runResult(ctx, a, t, progress, people...)
	if ba, ok := a.(commands.Batch); ok && res.Batch != nil {
		r = b.offerRest(ctx, ba, *res.Batch, r)
	}
	return b.afterRun(ctx, a, res, r)
}

// ran is what running an action gave: its result, or its error.
type ran struct {
	commands.Result
	Err error
}

// runResult runs an action, emits its result and returns it with the
// reply that shows it. Its vendor requests are counted, and its progress
// goes to progress.
func (b *Bot) runResult(ctx context.Context, a commands.Action, t trail, progress Progress, people ...slog.Attr) (ran, reply.Reply) {
	// The caller detaches ctx from the chat request that started it (which
	// may be long gone); a lease's fence may still cancel it.
	ctx, cancel := context.WithTimeout(ctx, b.workTTL)
	defer cancel()
	s := a.Summary()
	ctx = vendors.WithRequestWatcher(ctx, func(o vendors.Outcome, took time.Duration) {
		b.metrics.VendorRequest(s.Vendor, s.Verb, o.String(), took)
	})
	started := time.Now()
	res, err := runRecovered(ctx, a, progress)
	ev := Event{Step: StepResult, Who: t.requester, Channel: t.channel, Summary: s, Destructive: a.Destructive(),
		Attrs: slices.Clip(people)}
	took := slog.Duration("took", time.Since(started))
	if a.Destructive() || (err == nil && res.Object != "") {
		// The audit channel gets every confirmed destructive action,
		// whatever came of it, and everything an action made.
		ev.post = &channelPost{trail: t, result: &res, err: err}
	}
	if err != nil {
		ev.Verdict, ev.Reason = Error, reasonOf(err)
		ev.Attrs = append(ev.Attrs, slog.String("error", err.Error()), took)
		if each, ok := failedBatch(s, err); ok {
			ev.Attrs = append(ev.Attrs, outcomeAttrs(each)...)
		}
		var p *work.PanicError
		var refused *vendors.Error
		var unknown *vendors.UnreachableError
		switch {
		case errors.As(err, &p):
			ev.post = nil
			b.emit(ctx, ev)
			return ran{Err: err}, b.internalError(ctx, "recovered from a panic in an action", p, "stack", p.Stack)
		case errors.Is(err, context.Canceled) && errors.Is(context.Cause(ctx), errLeaseLost):
			// The fence closes only between calls, or before the first: a
			// call it ended was never sent.
			ev.Verdict, ev.post = NotSent, nil
			b.emit(ctx, ev)
			return ran{Err: err}, fencedBeforeStart(s)
		case errors.As(err, &unknown):
			ev.Verdict = Unknown
			ev.Attrs = append(ev.Attrs, slog.String("vendor_detail", unknown.Detail), slog.String("request_id", unknown.RequestID))
			b.emit(ctx, ev)
			return ran{Err: err}, outcomeUnknown(unknown, s)
		case errors.As(err, &refused):
			ev.Verdict = Refused
			ev.Attrs = append(ev.Attrs, slog.String("vendor_detail", refused.Detail), slog.String("request_id", refused.RequestID))
		case errors.As(err, new(*vendors.NotSentError)):
			ev.Verdict = NotSent
		}
		b.emit(ctx, ev)
		return ran{Err: err}, b.errorReply(ctx, err, s.Verb)
	}
	ev.Verdict, ev.Batch = Done, res.Batch
	ev.Attrs = append(ev.Attrs, slog.String("title", res.Reply.Title), took)
	if res.Batch != nil {
		ev.Verdict = batchVerdict(*res.Batch)
		ev.Attrs = append(ev.Attrs, slog.Int("done", res.Batch.Count(vendors.Done)), slog.Int("refused", res.Batch.Count(vendors.Refused)),
			slog.Int("unknown", res.Batch.Count(vendors.Unknown)), slog.Int("not_attempted", res.Batch.Count(vendors.NotAttempted)))
		ev.Attrs = append(ev.Attrs, outcomeAttrs(*res.Batch)...)
	}
	if len(res.RequestIDs) > 0 {
		ev.Attrs = append(ev.Attrs, slog.Any("request_ids", res.RequestIDs))
	}
	if res.Shown != nil { // a read: who looked at what
		ev.Attrs = append(ev.Attrs, slog.Any("shown", res.Shown))
	}
	b.emit(ctx, ev)
	return ran{Result: res}, res.Reply
}

// runRecovered runs an action; a panic in it becomes an error (with the
// stack, for the log) instead of ending the process.
func runRecovered(ctx context.Context, a commands.Action, progress Progress) (res commands.Result, err error) {
	defer func() {
		if p := work.Recovered(recover()); p != nil {
			err = p
		}
	}()
	return a.Run(ctx, commands.ProgressFunc(progress))
}

// unfinished is the Unfinished notice of an action: what a user sees, and
// the event emitted, when the bot stops before the action returns. For a
// batch it says what its Ledger knows (the answered IDs keep their
// answer, the call in flight is unknown, the rest not attempted), and
// stops the batch there, so no call goes out after the notice.
func (b *Bot) unfinished(a commands.Action, who commands.Caller, channel string, ledger *vendors.Ledger) func() reply.Reply {
	s := a.Summary()
	return func() reply.Reply {
		ev := Event{Step: StepResult, Verdict: StoppedRunning, Who: who, Channel: channel, Summary: s}
		ba, isBatch := a.(commands.Batch)
		if res, known := ledger.Stop(s.IDs, "the bot stopped"); known && isBatch {
			ev.Attrs = outcomeAttrs(res)
			b.emit(context.Background(), ev)
			// Its buttons work where the store outlives the process (Redis).
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return b.offerRest(ctx, ba, res, stoppedPartway(ba.Present(res)))
		}
		b.emit(context.Background(), ev)
		return stopped(s)
	}
}

// settleRun settles a move and, where the store can (pending.RunSettler)
// and it shares the Runs, records the run in the same step.
func (b *Bot) settleRun(ctx context.Context, token string, m pending.Move) (pending.Record, bool, error) {
	if rs, ok := b.store.(pending.RunSettler); ok && m.To == pending.Confirmed && sameStore(b.store, b.runs) {
		return rs.SettleRun(ctx, token, m, b.runLease)
	}
	rec, err := b.store.Settle(ctx, token, m)
	return rec, false, err
}

// sameStore reports whether the confirmations and the runs are one store.
func sameStore(s pending.Store, r pending.Runs) bool {
	rs, ok := r.(pending.Store)
	return ok && rs == s
}

// orphans reports actions whose process died while running them: once
// each, whichever process finds them.
func (b *Bot) orphans(ctx context.Context) int {
	recs, err := b.runs.Orphans(ctx, 256)
	if err != nil {
		b.log.Error("looking for orphaned actions failed", "error", err)
		return 0
	}
	for _, rec := range recs {
		s := b.summaryOf(rec)
		b.emit(ctx, Event{Step: StepResult, Verdict: Orphaned, Who: rec.Requester, Channel: rec.Channel, Summary: s,
			Destructive: true, Attrs: approvalAttrs(rec)})
		b.notify(ctx, rec, orphaned(s))
	}
	return len(recs)
}

// Undelivered records a result that no route could show to anyone: the
// audit log then holds the whole result, so nothing is lost silently.
// Adapters call it after every fallback failed.
func (b *Bot) Undelivered(ctx context.Context, who commands.Caller, channel string, r reply.Reply, err error) {
	var lines []string
	lines = append(lines, r.Lines...)
	for _, l := range r.Lists {
		items := make([]string, 0, len(l.Items))
		for _, it := range l.Items {
			if it.Note != "" {
				items = append(items, it.ID+": "+it.Note)
			} else {
				items = append(items, it.ID)
			}
		}
		lines = append(lines, l.Label+": "+strings.Join(items, ", "))
	}
	b.log.ErrorContext(ctx, "a result could not be delivered by any route", "user", who.UserID, "channel", channel, "error", err)
	b.emit(ctx, Event{Step: StepDeliver, Verdict: Undelivered, Who: who, Channel: channel, Attrs: []slog.Attr{
		slog.String("title", r.Title), slog.Any("result", lines), slog.String("footer", r.Footer), slog.String("error", err.Error())}})
}
