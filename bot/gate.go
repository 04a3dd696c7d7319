package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// The gate: a confirmation's moves (confirm, cancel, approve), its expiry,
// and the stop that forgets it. Each move is one checked transition in
// the store (pending.Check), so however many clicks arrive, on however
// many replicas, an action runs at most once.

// settle makes one move on a confirmation and answers the click.
//
// read, when the caller has just read the confirmation (an Approve does),
// spares reading it again. A record's words never change, so they are
// parsed once, before the move, and the action kept for after it.
func (b *Bot) settle(ctx context.Context, c Click, step Step, m pending.Move, read *pending.Record) Outcome {
	m.By, m.At = c.Caller, b.now()
	ev := Event{Step: step, Who: c.Caller, Channel: c.Channel}
	var action commands.Action
	if m.To == pending.Confirmed { // the policy may have changed since the request
		if read == nil {
			if cur, err := b.store.Get(ctx, c.Press.Value); err == nil {
				read = &cur
			}
		}
		if read != nil && read.State.Open() {
			a, err := b.registry.ParseWords(read.Words, read.Requester)
			if err != nil { // the configuration changed since it was asked for
				ev.Summary = b.summaryOf(*read)
				return b.refused(ctx, ev, &ConfigChangedError{Err: err}, *read)
			}
			ev.Summary = a.Summary()
			approvers, err := b.recheck(ctx, *read, ev.Summary)
			if err != nil {
				return b.refused(ctx, ev, err, *read)
			}
			action, m.Approvers = a, approvers
		}
		m.Seen = read // the store may judge on it rather than read again
	}
	mu := b.messageLock(c.Press.Value) // after a look-up's update, never before it
	mu.Lock()
	rec, started, err := b.settleRun(ctx, c.Press.Value, m)
	mu.Unlock()
	if err != nil {
		return b.refusal(ctx, rec, c, step, err)
	}
	if action == nil {
		if action, err = b.registry.ParseWords(rec.Words, rec.Requester); err != nil {
			ev.Summary = b.summaryOf(rec)
			return b.refused(ctx, ev, &ConfigChangedError{Err: err}, rec)
		}
	}
	s := action.Summary()
	ev.Summary = s
	ref := slog.String("token_ref", tokenRef(c.Press.Value))
	if m.To == pending.Cancelled {
		ev.Verdict, ev.Attrs = Cancelled, []slog.Attr{ref}
		b.emit(ctx, ev)
		return Answer(cancelled(s, c.Caller))
	}
	people := approvalAttrs(rec)
	if rec.State == pending.AwaitingApproval {
		ev.Verdict, ev.Attrs = AwaitingApproval, append(slices.Clip(people), ref, slog.Any("approvers", rec.Approvers))
		b.emit(ctx, ev)
		mine, ask := awaitingApproval(rec, s)
		return Working(mine, func(context.Context, Progress) reply.Reply { return ask }, nil)
	}
	// Confirmed, and approved where policy asks.
	ev.Verdict, ev.Attrs = Confirmed, append(slices.Clip(people), ref)
	b.emit(ctx, ev)
	var approver *commands.Caller
	if step == StepApprove {
		approver = &c.Caller
	}
	t := trailOf(rec)
	return Working(running(s, rec, approver), func(ctx context.Context, progress Progress) reply.Reply {
		return b.leased(ctx, rec, started, func(ctx context.Context) reply.Reply {
			return b.run(ctx, action, t, progress, people...)
		})
	}, b.unfinished(s, rec.Requester, rec.Channel))
}

// refusal answers a click the store refused: a pending error says why;
// any other error is the store's own failure.
func (b *Bot) refusal(ctx context.Context, rec pending.Record, c Click, step Step, err error) Outcome {
	var settled *pending.SettledError
	if errors.As(err, &settled) && settled.State == pending.Expired && settled.Now {
		b.expired(ctx, rec) // audit and update the message, as the sweep would have
	}
	if reasonOf(err) == NoReason {
		err = b.storeError(ctx, err, "event", string(step))
	}
	return b.refused(ctx, Event{Step: step, Who: c.Caller, Channel: c.Channel, Summary: b.summaryOf(rec)}, err, rec)
}

// approve is a second person's Approve on an action awaiting it: it must
// be someone the policy names for that action, not the requester, and it
// runs the action once.
func (b *Bot) approve(ctx context.Context, c Click) Outcome {
	rec, err := b.store.Get(ctx, c.Press.Value)
	if err != nil {
		return b.refusal(ctx, rec, c, StepApprove, err)
	}
	// Who may approve is checked against the approvers read here, and the
	// move below is refused unless the record still names exactly them:
	// no click can slip between this check and the move.
	if rec.State.Open() && !sameUser(c.Caller, rec.Requester) {
		if err := b.mayApprove(ctx, rec, c); err != nil {
			ev := Event{Step: StepApprove, Who: c.Caller, Channel: c.Channel, Summary: b.summaryOf(rec)}
			return b.refused(ctx, ev, err, rec)
		}
	}
	return b.settle(ctx, c, StepApprove, pending.Move{From: []pending.State{pending.AwaitingApproval}, To: pending.Confirmed, NotRequester: true,
		ApprovedFor: rec.Approvers}, &rec)
}

// summaryOf describes a stored confirmation (empty for an unknown one).
func (b *Bot) summaryOf(rec pending.Record) commands.Summary {
	if len(rec.Words) == 0 {
		return commands.Summary{}
	}
	a, err := b.registry.ParseWords(rec.Words, rec.Requester)
	if err != nil {
		return commands.Summary{Verb: rec.Words[0], Operation: strings.Join(rec.Words, " ")}
	}
	return a.Summary()
}

// Sweep expires every confirmation past its deadline: each is audited and
// its message updated, once, whichever process finds it. The bot sweeps by
// itself every Options.SweepEvery; tests call it after moving the clock.
func (b *Bot) Sweep(ctx context.Context) int {
	n := 0
	for {
		recs, err := b.store.Expire(ctx, b.now(), 256)
		if err != nil {
			b.log.Error("looking for expired confirmations failed", "error", err)
			return n
		}
		for _, rec := range recs {
			b.expired(ctx, rec)
		}
		n += len(recs)
		if len(recs) < 256 {
			return n + b.orphans(ctx)
		}
	}
}

func (b *Bot) sweepEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Sweep(ctx)
		}
	}
}

// expired emits an expired confirmation and has its message updated.
func (b *Bot) expired(ctx context.Context, rec pending.Record) {
	s := b.summaryOf(rec)
	b.emit(ctx, Event{Step: StepExpire, Verdict: Expired, Who: rec.Requester, Channel: rec.Channel, Summary: s,
		Attrs: []slog.Attr{slog.String("token_ref", tokenRef(rec.Token))}})
	b.notify(ctx, rec, b.say.expired(s))
}

// notify replaces a stored confirmation's message with r, through the
// Updater of the requester's platform. The updates run at most a few at a
// time: a thousand at once must not open a thousand connections to a slow
// chat platform.
func (b *Bot) notify(ctx context.Context, rec pending.Record, r reply.Reply) {
	b.mu.Lock()
	update := b.updaters[rec.Requester.Platform]
	b.mu.Unlock()
	if update == nil {
		return
	}
	r = b.say.finish(r)
	b.updates.Queue(ctx, func(ctx context.Context) {
		mu := b.messageLock(rec.Token) // a look-up's update in flight shows first
		mu.Lock()
		//lint:ignore SA2001 an empty critical section on purpose: a barrier
		mu.Unlock()
		update(ctx, rec.Message, r)
	})
}

// Stop is the bot's part of a graceful stop. With ForgetOnStop it drops
// every open confirmation (a restart would lose them anyway) and updates
// each message to say so, then waits for those updates until ctx is done.
func (b *Bot) Stop(ctx context.Context) int {
	b.stop()
	if !b.forget {
		return 0
	}
	n := 0
	for {
		recs, err := b.store.Expire(ctx, farFuture, 256)
		if err != nil {
			b.log.Error("dropping open confirmations failed", "error", err)
			break
		}
		for _, rec := range recs {
			s := b.summaryOf(rec)
			b.emit(ctx, Event{Step: StepExpire, Verdict: Dropped, Who: rec.Requester, Channel: rec.Channel, Summary: s,
				Attrs: []slog.Attr{slog.String("token_ref", tokenRef(rec.Token))}})
			b.notify(ctx, rec, dropped(s))
		}
		n += len(recs)
		if len(recs) < 256 {
			break
		}
	}
	b.updates.Drain(ctx)
	return n
}

// farFuture makes Expire take every open confirmation.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// approvalAttrs are the audit attributes naming who confirmed and who
// approved a stored action.
func approvalAttrs(rec pending.Record) []slog.Attr {
	attrs := []slog.Attr{slog.String("requester", rec.Requester.Platform+":"+rec.Requester.UserID)}
	if rec.ConfirmedBy.UserID != "" {
		attrs = append(attrs, slog.String("confirmed_by", rec.ConfirmedBy.Platform+":"+rec.ConfirmedBy.UserID))
	}
	if rec.State == pending.Confirmed && rec.SettledBy.UserID != "" && !sameUser(rec.SettledBy, rec.ConfirmedBy) {
		attrs = append(attrs, slog.String("approved_by", rec.SettledBy.Platform+":"+rec.SettledBy.UserID))
	}
	return attrs
}

func sameUser(a, b commands.Caller) bool { return a.Platform == b.Platform && a.UserID == b.UserID }
