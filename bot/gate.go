package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
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
		// The read, the policy's decision and the move are one judgement:
		// a read that fails refuses the click (fail closed). Were it
		// skipped, the move below could succeed a moment later, when the
		// store answers again, with no recheck of the policy at all.
		if read == nil {
			cur, err := b.get(ctx, c.Press.Value, &c.Replay)
			if errors.Is(err, pending.ErrReplay) {
				return Replayed()
			}
			if err != nil {
				return b.refusal(ctx, cur, c, step, err)
			}
			read = &cur
		}
		if read.State.Open() {
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
	if b.replayed(ctx, &c.Replay) { // a Cancel: no read carried it
		return Replayed()
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
		return Working(mine, func(ctx context.Context, _ Progress) reply.Reply {
			if b.announce(ctx, rec, ask) {
				return mine // posted where its expiry can edit it
			}
			return ask
		}, nil)
	}
	// Confirmed, and approved where policy asks.
	ev.Verdict, ev.Attrs = Confirmed, append(slices.Clip(people), ref)
	b.emit(ctx, ev)
	var approver *commands.Caller
	if step == StepApprove {
		approver = &c.Caller
	}
	t := trailOf(rec)
	ledger := vendors.NewLedger() // what the stop notice knows, per ID
	return Working(running(s, rec, approver), func(ctx context.Context, progress Progress) reply.Reply {
		return b.leased(ctx, rec, started, s, progress, func(ctx context.Context, progress Progress) reply.Reply {
			return b.run(vendors.WithLedger(ctx, ledger), action, t, progress, people...)
		})
	}, b.unfinished(action, rec.Requester, rec.Channel, ledger))
}

// refusal answers a click the store refused: a pending error says why;
// any other error is the store's own failure.
func (b *Bot) refusal(ctx context.Context, rec pending.Record, c Click, step Step, err error) Outcome {
	var settled *pending.SettledError
	if errors.As(err, &settled) && settled.State == pending.Expired && settled.Now {
		b.expired(ctx, rec) // audit and update the message, as the sweep would have
	}
	switch {
	case reasonOf(err) == NoReason:
		err = b.storeError(ctx, err, "event", string(step))
	case errors.Is(err, pending.ErrUnknownToken) && b.fromEarlierLife(c.Press.Value):
		err = &RestartedError{Err: err}
	}
	return b.refused(ctx, Event{Step: step, Who: c.Caller, Channel: c.Channel, Summary: b.summaryOf(rec)}, err, rec)
}

// approve is a second person's Approve on an action awaiting it: it must
// be someone the policy names for that action, not the requester, and it
// runs the action once.
func (b *Bot) approve(ctx context.Context, c Click) Outcome {
	rec, err := b.get(ctx, c.Press.Value, &c.Replay)
	if errors.Is(err, pending.ErrReplay) {
		return Replayed()
	}
	if err != nil {
		return b.refusal(ctx, rec, c, StepApprove, err)
	}
	// Who may approve is today's policy's answer (an approver removed
	// from it by a reload can no longer approve), asked about the record
	// read here; the move below is refused unless the record still names
	// the approvers it was read with: no click can slip between this
	// check and the move.
	if rec.State.Open() && !sameUser(c.Caller, rec.Requester) {
		ev := Event{Step: StepApprove, Who: c.Caller, Channel: c.Channel, Summary: b.summaryOf(rec)}
		approvers := rec.Approvers
		if a, err := b.registry.ParseWords(rec.Words, rec.Requester); err == nil {
			now, err := b.recheck(ctx, rec, a.Summary())
			if err != nil {
				return b.refused(ctx, ev, err, rec)
			}
			if len(now) > 0 {
				approvers = now
			}
		}
		if err := b.mayApprove(ctx, approvers, c); err != nil {
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

// expired emits an expired confirmation and has its message updated. One
// that its requester confirmed was waiting for a second approval: they
// read that, and the public approval request loses its buttons.
func (b *Bot) expired(ctx context.Context, rec pending.Record) {
	s := b.summaryOf(rec)
	b.emit(ctx, Event{Step: StepExpire, Verdict: Expired, Who: rec.Requester, Channel: rec.Channel, Summary: s,
		Attrs: []slog.Attr{slog.String("token_ref", tokenRef(rec.Token))}})
	if rec.ConfirmedBy.UserID == "" {
		b.notify(ctx, rec, b.say.expired(s))
		return
	}
	b.notify(ctx, rec, b.say.approvalExpired(s))
	ref, ok, err := b.values.Take(ctx, approvalKey(rec.Token))
	switch {
	case err != nil:
		b.log.Warn("finding the approval request's message failed; it keeps its buttons", "error", err, "token_ref", tokenRef(rec.Token))
	case ok && ref != "":
		b.notifyAt(ctx, rec.Requester.Platform, ref, "", b.say.approvalExpiredPublic(s))
	}
}

// announce posts an approval request where it can be edited later, and
// keeps where, for its expiry. It reports whether it posted.
func (b *Bot) announce(ctx context.Context, rec pending.Record, ask reply.Reply) bool {
	b.mu.Lock()
	post := b.announcers[rec.Requester.Platform]
	b.mu.Unlock()
	if post == nil {
		return false
	}
	ref, err := post(ctx, rec.Channel, b.say.finish(ask))
	if err != nil {
		b.log.Warn("posting the approval request as a message of the bot's own failed; it is the click's reply instead", "error", err,
			"token_ref", tokenRef(rec.Token))
		return false
	}
	if err := b.values.Set(ctx, approvalKey(rec.Token), ref, rec.ExpiresAt.Sub(b.now())+pending.Retention); err != nil {
		b.log.Warn("keeping where the approval request was posted failed; its expiry cannot remove its buttons", "error", err,
			"token_ref", tokenRef(rec.Token))
	}
	return true
}

// approvalKey is where an approval request's message reference is kept.
func approvalKey(token string) string { return "approval-msg:" + token }

// notify replaces a stored confirmation's message with r, through the
// Updater of the requester's platform. The updates run at most a few at a
// time: a thousand at once must not open a thousand connections to a slow
// chat platform.
func (b *Bot) notify(ctx context.Context, rec pending.Record, r reply.Reply) {
	b.notifyAt(ctx, rec.Requester.Platform, rec.Message, rec.Token, r)
}

// notifyAt replaces the message on platform that message names with r.
// token, when the message is a confirmation's, orders the update after a
// look-up's update of it that is already in flight.
func (b *Bot) notifyAt(ctx context.Context, platform, message, token string, r reply.Reply) {
	b.mu.Lock()
	update := b.updaters[platform]
	b.mu.Unlock()
	if update == nil {
		return
	}
	r = b.say.finish(r)
	b.updates.Queue(ctx, func(ctx context.Context) {
		if token != "" {
			mu := b.messageLock(token) // a look-up's update in flight shows first
			mu.Lock()
			//lint:ignore SA2001 an empty critical section on purpose: a barrier
			mu.Unlock()
		}
		update(ctx, message, r)
	})
}

// Stop is the bot's part of a graceful stop. With ForgetOnStop it drops
// every open confirmation (a restart would lose them anyway) and updates
// each message to say so: newest first (the ones people most likely
// still look at), stopNotices at a time, until ctx is done. It returns
// how many it dropped; each is audited, told or not.
func (b *Bot) Stop(ctx context.Context) int {
	b.stop()
	if !b.forget {
		return 0
	}
	var recs []pending.Record
	for {
		got, err := b.store.Expire(ctx, farFuture, 256)
		recs = append(recs, got...)
		if err != nil {
			b.log.Error("dropping open confirmations failed", "error", err)
			break
		}
		if len(got) < 256 {
			break
		}
	}
	slices.SortStableFunc(recs, func(x, y pending.Record) int { return y.CreatedAt.Compare(x.CreatedAt) })
	notices := make([]reply.Reply, len(recs))
	for i, rec := range recs {
		s := b.summaryOf(rec)
		b.emit(ctx, Event{Step: StepExpire, Verdict: Dropped, Who: rec.Requester, Channel: rec.Channel, Summary: s,
			Attrs: []slog.Attr{slog.String("token_ref", tokenRef(rec.Token))}})
		notices[i] = b.say.finish(dropped(s))
	}
	b.tellAll(ctx, recs, notices)
	b.updates.Drain(ctx)
	return len(recs)
}

// stopNotices is how many messages a stop updates at once: enough for
// hundreds within a few seconds of a platform that answers in 300 ms, few
// enough not to open thousands of sockets.
const stopNotices = 128

// tellAll replaces each record's message with its notice, in order,
// stopNotices at a time, until ctx is done; updates still in flight then
// are left to finish as the process exits.
func (b *Bot) tellAll(ctx context.Context, recs []pending.Record, notices []reply.Reply) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(stopNotices, len(recs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b.mu.Lock()
				update := b.updaters[recs[i].Requester.Platform]
				b.mu.Unlock()
				if update != nil {
					mu := b.messageLock(recs[i].Token) // a look-up's update in flight shows first
					mu.Lock()
					//lint:ignore SA2001 an empty critical section on purpose: a barrier
					mu.Unlock()
					update(ctx, recs[i].Message, notices[i])
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
feed:
	for i := range recs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	select {
	case <-done:
	case <-ctx.Done():
	}
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
