package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// onceWindow is how long the same request from the same person is taken
// for a repeat (a double click, a form submitted twice, a platform retry).
const onceWindow = 10 * time.Minute

// Marks in a once key's value for an attempt that has no ticket to show.
const (
	onceRunning = ""  // the first attempt has not finished
	onceUnknown = "?" // the first attempt's outcome is unknown
)

// once runs a non-destructive action whose summary asks for it only once
// per requester within onceWindow: a repeat gets the first one's result
// (or that it is still running) and no vendor call. When the shared values
// cannot be reached the action runs anyway: a ticket at 3 a.m. matters
// more than a duplicate.
func (b *Bot) once(ctx context.Context, req Request, s commands.Summary, action commands.Action) (Outcome, bool) {
	sum := sha256.Sum256([]byte(s.Once))
	key := "once:" + s.Verb + ":" + req.Caller.Platform + ":" + req.Caller.UserID + ":" + hex.EncodeToString(sum[:16])
	// The claim of a running attempt lasts only as long as the attempt
	// may: if its process dies, the same request may go again after that,
	// rather than being told for ten minutes that a result will follow.
	first, value, err := b.values.Claim(ctx, key, b.workTTL+time.Minute)
	if err != nil {
		b.log.Warn("de-duplication unavailable; running without it", "error", err, "verb", s.Verb)
		return Outcome{}, false
	}
	if !first {
		b.auditEvent("request", req.Caller, req.Channel, s, "ignored: a repeat")
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
		return Outcome{Reply: b.finish(r)}, true
	}
	b.auditEvent("request", req.Caller, req.Channel, s, "running")
	return Outcome{
		Reply:      b.finish(reply.Reply{Tone: reply.Info, Title: "Working on it: " + describe(s) + "…"}),
		Unfinished: b.unfinished(s, req.Caller, req.Channel),
		Work: func(ctx context.Context) reply.Reply {
			res, r := b.runResult(ctx, action, trail{requester: req.Caller, channel: req.Channel})
			ctx = context.WithoutCancel(ctx)
			var refused *vendors.Error
			var notSent *vendors.NotSentError
			switch {
			case res.Object != "":
				err = b.values.Set(ctx, key, res.Object, onceWindow)
			case errors.As(res.Err, &refused), errors.As(res.Err, &notSent):
				_, _, err = b.values.Take(ctx, key) // nothing was made: a retry may go
			default:
				err = b.values.Set(ctx, key, onceUnknown, onceWindow)
			}
			if err != nil {
				b.log.Warn("recording a request for de-duplication failed", "error", err, "verb", s.Verb)
			}
			return r
		},
	}, true
}

// leased runs a confirmed action under a lease in the shared Runs: if this
// process dies while the vendor call is in flight, another one finds the
// lapsed lease and tells the requester the outcome is unknown.
//
// started: the store recorded the run with the Confirm (settleRun).
func (b *Bot) leased(ctx context.Context, rec pending.Record, started bool, run func(ctx context.Context) reply.Reply) reply.Reply {
	if !started {
		if err := b.runs.Start(ctx, rec, b.runLease); err != nil {
			b.log.Error("recording a running action failed; it runs without a lease", "error", err, "token_ref", tokenRef(rec.Token))
			return run(ctx)
		}
	}
	done := make(chan struct{})
	var lost atomic.Bool
	go func() {
		t := time.NewTicker(b.runLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				held, err := b.runs.Renew(context.WithoutCancel(ctx), rec.Token, b.runLease)
				switch {
				case err != nil:
					b.log.Warn("renewing a running action's lease failed", "error", err, "token_ref", tokenRef(rec.Token))
				case !held: // another process took it for dead and said so
					lost.Store(true)
					b.log.Error("a running action's lease was lost; its requester was told the outcome is unknown", "token_ref", tokenRef(rec.Token))
					return
				}
			}
		}
	}()
	r := run(ctx)
	close(done)
	if lost.Load() {
		r.Lines = append([]string{"Earlier the bot said this action's outcome was unknown; this is its actual result."}, r.Lines...)
	}
	if err := b.runs.Finish(context.WithoutCancel(ctx), rec.Token); err != nil {
		b.log.Warn("forgetting a finished action failed", "error", err, "token_ref", tokenRef(rec.Token))
	}
	return r
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
		b.auditEvent("result", rec.Requester, rec.Channel, s, "unknown: the bot stopped while this was running", approvalAttrs(rec)...)
		r := b.finish(reply.Reply{Tone: reply.Warning, Public: true, Title: "Outcome unknown: " + describe(s),
			Lines: []string{fmt.Sprintf("The bot restarted while this was running, so whether %s acted is unknown. Check these IDs in %s before trying again.", s.Vendor, s.Vendor)},
			Lists: idList(s)})
		b.notify(ctx, rec, r)
	}
	return len(recs)
}

// storeTrouble answers when the store of confirmations cannot be reached:
// nothing runs unconfirmed and nothing is half-stored.
func (b *Bot) storeTrouble(ctx context.Context, err error, attrs ...any) reply.Reply {
	ref := newRef()
	b.log.ErrorContext(ctx, "the confirmation store failed", append([]any{"ref", ref, "error", err}, attrs...)...)
	return b.finish(reply.Reply{Tone: reply.Failure, Title: "Nothing was run: the bot cannot reach its store of confirmations right now.",
		Lines: []string{"Destructive commands wait until it is back, so that nothing runs unconfirmed. Try again in a minute (ref " + ref + ")."}})
}
