package bot

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Handle parses and dispatches a command. It never blocks on a vendor: any
// vendor call is in the returned Work.
func (b *Bot) Handle(ctx context.Context, req Request) Outcome {
	return b.say.shown(b.handle(ctx, req))
}

// Press handles any button: Confirm, Cancel, and the buttons that open a
// verb's form (a ticket card's Accept, Submit solution, Verify).
func (b *Bot) Press(ctx context.Context, c Click) Outcome {
	return b.say.shown(b.press(ctx, c))
}

func (b *Bot) handle(ctx context.Context, req Request) Outcome {
	words := req.Words
	if words == nil {
		var err error
		if words, err = commands.SplitLine(req.Text); err != nil {
			return b.rejected(ctx, req, err)
		}
	}
	if req.Forms && len(words) == 1 {
		if v, ok := commands.Lookup(strings.ToLower(words[0])); ok && v.HasRequiredText() {
			return b.openForm(ctx, req, v, nil)
		}
	}
	action, err := b.registry.ParseWords(words, req.Caller)
	if err != nil {
		return b.rejected(ctx, req, err)
	}
	s := action.Summary()
	if public(s.Verb) {
		// help answers the text anyone may read, in the acknowledgement
		// alone: replayed, it does nothing and reveals nothing, so it
		// costs no store operation (no round trip to Redis).
		req.Replay = nil
	}
	// Only a confirmation to store checks the replay key with its write;
	// anything else checks it now, before it does or audits anything.
	if _, whoami := action.(commands.WhoAmI); whoami || !action.Destructive() || s.DryRun || s.Vendor == "" {
		if b.replayed(ctx, &req.Replay) {
			return Replayed()
		}
	}
	ev := Event{Step: StepRequest, Who: req.Caller, Channel: req.Channel, Summary: s, Verb: verbLabel(words)}
	d, err := b.decide(ctx, req, s)
	if err != nil {
		if b.replayed(ctx, &req.Replay) {
			return Replayed()
		}
		return b.refused(ctx, ev, err, pending.Record{})
	}
	if _, ok := action.(commands.WhoAmI); ok {
		ev.Verdict = Answered
		b.emit(ctx, ev)
		return b.whoami(ctx, req)
	}
	if s.DryRun {
		ev.Verdict = DryRun
		b.emit(ctx, ev)
		return Answer(dryRun(s, d))
	}
	if s.Vendor == "" { // help: nothing to wait for
		res, err := action.Run(ctx, nil)
		if err != nil {
			ev.Verdict, ev.Reason = Error, reasonOf(err)
			b.emit(ctx, ev)
			return Answer(b.errorReply(ctx, err, s.Verb))
		}
		ev.Verdict = Answered
		b.emit(ctx, ev)
		return Answer(res.Reply)
	}
	if !action.Destructive() && s.Once != "" {
		if o, ok := b.once(ctx, req, s, action); ok {
			return o
		}
	}
	if !action.Destructive() {
		ev.Verdict = Running
		b.emit(ctx, ev)
		return Working(working(s), func(ctx context.Context, progress Progress) reply.Reply {
			return b.run(context.WithoutCancel(ctx), action, trail{requester: req.Caller, channel: req.Channel}, progress)
		}, b.unfinished(action, req.Caller, req.Channel, nil))
	}
	token, err := newToken(b.epoch)
	if err != nil {
		if b.replayed(ctx, &req.Replay) {
			return Replayed()
		}
		ev.Verdict = Failed
		b.emit(ctx, ev)
		return Answer(b.errorReply(ctx, err, s.Verb))
	}
	now := b.now()
	// The record outlives the request, but its strings may be cut from the
	// request's body: the store keeps its own copy (Store.Put).
	rec := pending.Record{Token: token, Words: words, Requester: req.Caller, Channel: req.Channel, Message: req.Message,
		Count: len(s.IDs), CreatedAt: now, ExpiresAt: now.Add(b.ttl)}
	if d.NeedsApproval {
		rec.Approvers = d.Approvers
	}
	if len(req.Roles) > 0 {
		rec.Roles = req.Roles
	}
	if err := b.put(ctx, rec, req.Replay); err != nil {
		if errors.Is(err, pending.ErrReplay) {
			return Replayed()
		}
		var tooMany *pending.TooManyError
		if errors.As(err, &tooMany) {
			ev.Attrs = []slog.Attr{slog.Int("open", tooMany.Open), slog.Int("limit", tooMany.Limit)}
			return b.refused(ctx, ev, tooMany, rec)
		}
		return b.refused(ctx, ev, b.storeError(ctx, err, "verb", s.Verb), rec)
	}
	ev.Verdict, ev.Attrs = AwaitingConfirmation, []slog.Attr{slog.String("token_ref", tokenRef(token))}
	b.emit(ctx, ev)
	o := Asking(b.say.confirmation(rec, s), token)
	o.Enrich = b.enrichment(rec, s)
	return o
}

// rejected answers a command that did not parse, or whose vendor is not
// configured: nothing is run.
func (b *Bot) rejected(ctx context.Context, req Request, err error) Outcome {
	if b.replayed(ctx, &req.Replay) {
		return Replayed()
	}
	verb := metrics.Unknown
	if v, ok := commands.Lookup(firstWord(req)); ok {
		verb = v.Name
	} else if firstWord(req) == "" {
		verb = commands.DefaultVerb().Name
	}
	b.emit(ctx, Event{Step: StepRequest, Verdict: Rejected, Reason: reasonOf(err), Who: req.Caller, Channel: req.Channel,
		Summary: commands.Summary{Verb: firstWord(req)}, Verb: verb, Attrs: []slog.Attr{slog.String("problem", err.Error())}})
	var usage *commands.UsageError
	field := ""
	if errors.As(err, &usage) {
		field = usage.Field
	}
	return Rejection(b.errorReply(ctx, err, "parse"), field)
}

// refused emits a refusal of a request or a click and answers it. A
// refusal of a click by someone else, or of a repeat click, leaves the
// message as it is and only tells the clicker.
func (b *Bot) refused(ctx context.Context, ev Event, err error, rec pending.Record) Outcome {
	ev.Verdict, ev.Reason = Refused, reasonOf(err)
	switch ev.Reason {
	case NotAllowed, GroupsUnavailable:
		ev.Verdict = Denied
	case AlreadySettled:
		ev.Verdict = Ignored
	case StoreUnavailable, ConfigChanged:
		ev.Verdict = Failed
	}
	var notAllowed *NotAllowedError
	var notApprover *NotApproverError
	switch {
	case errors.As(err, &notAllowed):
		ev.Attrs = append(ev.Attrs, slog.String("problem", notAllowed.Why))
		if notAllowed.Err != nil {
			ev.Attrs = append(ev.Attrs, slog.String("error", notAllowed.Err.Error()))
		}
	case errors.As(err, &notApprover):
		ev.Attrs = append(ev.Attrs, slog.String("requester", rec.Requester.UserID), slog.String("problem", notApprover.Why))
	case ev.Reason == NotRequester:
		ev.Attrs = append(ev.Attrs, slog.String("requester", rec.Requester.UserID))
	case ev.Reason == AlreadySettled:
		var settled *pending.SettledError
		errors.As(err, &settled)
		ev.Attrs = append(ev.Attrs, slog.String("state", settled.State.String()))
	case ev.Reason == ConfigChanged:
		ev.Attrs = append(ev.Attrs, slog.String("problem", err.Error()))
	}
	b.emit(ctx, ev)
	var changed *ConfigChangedError
	if errors.As(err, &changed) {
		return Answer(b.errorReply(ctx, changed.Err, string(ev.Step)))
	}
	r := b.say.refusal(err, ev.Summary, rec, ev.Step)
	switch {
	case ev.Step == StepRequest, ev.Reason == ConfirmationExpired, ev.Reason == UnknownToken, ev.Reason == NoLongerAllowed:
		return Answer(r) // the message with the buttons shows why it is over
	}
	return Note(r)
}

func (b *Bot) press(ctx context.Context, c Click) Outcome {
	// A Confirm or an Approve checks the replay key with its read; any
	// other button now.
	if k := c.Press.Kind; k != reply.Confirm && k != reply.Approve && b.replayed(ctx, &c.Replay) {
		return Replayed()
	}
	switch c.Press.Kind {
	case reply.Confirm:
		return b.settle(ctx, c, StepConfirm, pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, RequesterOnly: true}, nil)
	case reply.Cancel:
		return b.settle(ctx, c, StepCancel, pending.Move{From: []pending.State{pending.Pending, pending.AwaitingApproval}, To: pending.Cancelled, RequesterOnly: true}, nil)
	case reply.Approve:
		return b.approve(ctx, c)
	case reply.Retry, reply.Check:
		return b.pressRest(ctx, c)
	case reply.Page: // a read verb again, with the words of its next page
		if v, ok := commands.Lookup(c.Press.Verb); ok && v.Name == "list" {
			words := append([]string{v.Name}, strings.Fields(c.Press.Value)...)
			return b.handle(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles, Words: words})
		}
	case reply.Form:
		v, ok := commands.Lookup(c.Press.Verb)
		if !ok {
			break
		}
		values := map[string]string{}
		if len(v.Args) > 0 && c.Press.Value != "" {
			values[v.Args[0].Name] = c.Press.Value
		}
		if len(v.Form) == 0 { // nothing to ask: run it on the object
			return b.handle(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles, Words: v.Words(values)})
		}
		return b.openForm(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles}, v, values)
	}
	return Note(unknownButton)
}

// openForm asks the adapter to open v's form, if v's vendor is configured
// and the caller may use it: nobody fills in a form only to be refused.
func (b *Bot) openForm(ctx context.Context, req Request, v commands.Verb, values map[string]string) Outcome {
	if b.replayed(ctx, &req.Replay) {
		return Replayed()
	}
	if err := b.registry.Configured(v.Name); err != nil {
		return b.rejected(ctx, Request{Caller: req.Caller, Channel: req.Channel, Words: []string{v.Name}}, err)
	}
	s := commands.Summary{Verb: v.Name, Vendor: v.Vendor}
	if _, err := b.decide(ctx, req, s); err != nil {
		return b.refused(ctx, Event{Step: StepRequest, Who: req.Caller, Channel: req.Channel, Summary: s, Verb: v.Name}, err, pending.Record{})
	}
	return OpenForm(Form{Verb: v, Values: values})
}

// errorReply shows user errors as written and hides internal ones behind a
// reference that is in the log.
func (b *Bot) errorReply(ctx context.Context, err error, verb string) reply.Reply {
	return failure(err, func() reply.Reply { return b.internalError(ctx, "internal error", err, "verb", verb) })
}

// InternalError logs err with a fresh reference and returns the reply a
// user sees: the reference, and nothing of the error itself. Adapters use it
// for their own failures (a form that would not open).
func (b *Bot) InternalError(ctx context.Context, msg string, err error, attrs ...any) reply.Reply {
	return b.say.finish(b.internalError(ctx, msg, err, attrs...))
}

func (b *Bot) internalError(ctx context.Context, msg string, err error, attrs ...any) reply.Reply {
	ref := work.NewRef()
	b.log.ErrorContext(ctx, msg, append([]any{"ref", ref, "error", err}, attrs...)...)
	return internalError(ref)
}

// Panicked logs a recovered panic with its stack under a fresh reference
// and returns the reply a user sees: the reference, nothing of the panic.
// Every entry point (an HTTP handler, a gateway or Socket Mode event, a
// background job) recovers and calls it, so one bad payload never ends
// the process.
func (b *Bot) Panicked(ctx context.Context, where string, p *work.PanicError) reply.Reply {
	return b.InternalError(ctx, "recovered from a panic in "+where, p, "stack", p.Stack)
}

// storeError logs a failure of the confirmation store under a fresh
// reference and returns it as a *StoreError.
func (b *Bot) storeError(ctx context.Context, err error, attrs ...any) *StoreError {
	ref := work.NewRef()
	b.log.ErrorContext(ctx, "the confirmation store failed", append([]any{"ref", ref, "error", err}, attrs...)...)
	return &StoreError{Err: err, Ref: ref}
}

// newToken returns 26 lowercase base32 characters: the process's epoch
// (4), then 110 bits of randomness (22): unguessable, and short enough for
// Slack action IDs and Discord custom IDs. The epoch lets a restarted
// process recognise a token of its predecessor.
func newToken(epoch string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return epoch + tokenEncoding.EncodeToString(b[:])[:tokenLen-epochLen], nil
}

const (
	tokenLen = 26
	epochLen = 4
)

// newEpoch names one process's life: 20 random bits as 4 base32
// characters (two processes sharing one is harmless: a click on a token
// from before the restart is then told it is not known).
func newEpoch() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return tokenEncoding.EncodeToString(b[:])[:epochLen]
}

// fromEarlierLife reports whether token was made by an earlier process
// than this one, with an in-memory store that a restart empties: an
// unknown token of that kind was dropped by a stop (or expired long
// before it).
func (b *Bot) fromEarlierLife(token string) bool {
	return b.forget && len(token) == tokenLen && token[:epochLen] != b.epoch
}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenRef is a prefix of a token, enough to correlate log lines without
// writing a usable token to the log.
func tokenRef(token string) string {
	if len(token) > 6 {
		return token[:6]
	}
	return token
}

func firstWord(req Request) string {
	if len(req.Words) > 0 {
		return req.Words[0]
	}
	f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(req.Text), "/incident"))
	if len(f) > 0 && len(f[0]) <= 20 {
		return strings.ToLower(f[0])
	}
	return ""
}
