package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

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
		b.emit(ctx, Event{Step: StepRequest, Verdict: Ignored, Reason: Repeat, Who: req.Caller, Channel: req.Channel, Summary: s})
		return Answer(repeated(s, value)), true
	}
	b.emit(ctx, Event{Step: StepRequest, Verdict: Running, Who: req.Caller, Channel: req.Channel, Summary: s})
	return Working(working(s), func(ctx context.Context, progress Progress) reply.Reply {
		ctx = context.WithoutCancel(ctx)
		res, r := b.runResult(ctx, action, trail{requester: req.Caller, channel: req.Channel}, progress)
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
		return b.afterRun(ctx, action, res, r)
	}, b.unfinished(action, req.Caller, req.Channel, nil)), true
}
