// Package bot is the platform-neutral core: every chat adapter hands it
// typed commands and button clicks, and it parses them, gates destructive
// actions behind a confirmation, runs them, audits everything, and returns
// replies for the adapter to render.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// Request is a typed command, or a chat form's fields already split into
// words (Words, verb first), from one user in one channel.
type Request struct {
	Caller  commands.Caller
	Channel string
	Text    string   // "/incident delete a b"; used when Words is nil
	Words   []string // ["delete", "a", "b"]
	// OnExpiry, if set, is called when a confirmation this request asked for
	// expires unconfirmed, with the reply that should replace it.
	OnExpiry func(reply.Reply)
}

// Click is a button press on a confirmation.
type Click struct {
	Caller  commands.Caller
	Channel string
	Token   string
}

// Outcome is what an adapter shows now and, if Work is set, what it shows
// after Work returns. Work may be slow (a vendor call); adapters acknowledge
// the platform first and run Work after.
type Outcome struct {
	Reply reply.Reply
	// Notice means Reply is a private note to the clicker, and the message
	// that holds the buttons must stay as it is.
	Notice bool
	// Pending is the confirmation this outcome asks for, if any.
	Pending *Pending
	// Field names the option a rejected command got wrong ("title"), so a
	// chat form can show the problem next to that input.
	Field string
	Work  func(ctx context.Context) reply.Reply
}

// Options configure a Bot.
type Options struct {
	ConfirmTTL  time.Duration
	WorkTimeout time.Duration // the most a confirmed action may take in all its vendor calls
	Now         func() time.Time
	Logger      *slog.Logger
	// Note is added to the footer of every reply (the sandbox warning).
	Note string
}

// Bot dispatches requests and clicks. It is safe for concurrent use.
type Bot struct {
	registry *commands.Registry
	gate     *Gate
	log      *slog.Logger
	audit    *slog.Logger
	note     string
	workTTL  time.Duration
}

// New returns a Bot over a command registry.
func New(registry *commands.Registry, opt Options) *Bot {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.ConfirmTTL <= 0 {
		opt.ConfirmTTL = 5 * time.Minute
	}
	if opt.WorkTimeout <= 0 {
		opt.WorkTimeout = 2 * time.Minute
	}
	b := &Bot{registry: registry, log: opt.Logger, audit: opt.Logger.With("log", "audit"), note: opt.Note, workTTL: opt.WorkTimeout}
	b.gate = NewGate(opt.ConfirmTTL, opt.Now, b.expired)
	return b
}

// Registry is the command registry the bot parses with.
func (b *Bot) Registry() *commands.Registry { return b.registry }

// Handle parses and dispatches a command. It never blocks on a vendor: any
// vendor call is in the returned Work.
func (b *Bot) Handle(ctx context.Context, req Request) Outcome {
	var action commands.Action
	var err error
	if req.Words != nil {
		action, err = b.registry.ParseWords(req.Words, req.Caller)
	} else {
		action, err = b.registry.Parse(req.Text, req.Caller)
	}
	if err != nil {
		b.auditEvent("request", req.Caller, req.Channel, commands.Summary{Verb: firstWord(req)}, "rejected", slog.String("problem", err.Error()))
		o := Outcome{Reply: b.finish(b.errorReply(ctx, err, "parse"))}
		var usage *commands.UsageError
		if errors.As(err, &usage) {
			o.Field = usage.Field
		}
		return o
	}
	s := action.Summary()
	if s.Vendor == "" { // help: nothing to wait for
		r, err := action.Run(ctx)
		if err != nil {
			r = b.errorReply(ctx, err, s.Verb)
		}
		return Outcome{Reply: b.finish(r)}
	}
	if !action.Destructive() {
		b.auditEvent("request", req.Caller, req.Channel, s, "running")
		return Outcome{
			Reply: b.finish(reply.Reply{Tone: reply.Info, Title: "Working on it: " + describe(s) + "…"}),
			Work:  func(ctx context.Context) reply.Reply { return b.run(ctx, action, req.Caller, req.Channel) },
		}
	}
	p, err := b.gate.Put(action, req.Caller, req.Channel)
	if err != nil {
		return Outcome{Reply: b.finish(b.errorReply(ctx, err, s.Verb))}
	}
	if req.OnExpiry != nil {
		p.OnExpiry(req.OnExpiry)
	}
	b.auditEvent("request", req.Caller, req.Channel, s, "awaiting confirmation", slog.String("token_ref", tokenRef(p.Token)))
	return Outcome{Reply: b.finish(b.confirmation(p)), Pending: p}
}

// Confirm runs a pending action if the click is allowed: by its requester,
// before expiry, and only the first time.
func (b *Bot) Confirm(ctx context.Context, c Click) Outcome {
	p, err := b.gate.Take(c.Token, c.Caller)
	if err != nil {
		return b.refusal(ctx, p, c, "confirm", err)
	}
	s := p.Action.Summary()
	b.auditEvent("confirm", c.Caller, c.Channel, s, "confirmed", slog.String("token_ref", tokenRef(c.Token)))
	running := reply.Reply{Tone: reply.Info, Title: "Running: " + describe(s) + "…", Lines: []string{"Confirmed by " + c.Caller.Name + "."}, Lists: idList(s)}
	return Outcome{
		Reply: b.finish(running),
		Work:  func(ctx context.Context) reply.Reply { return b.run(ctx, p.Action, c.Caller, c.Channel) },
	}
}

// Cancel drops a pending action without running it.
func (b *Bot) Cancel(ctx context.Context, c Click) Outcome {
	p, err := b.gate.Cancel(c.Token, c.Caller)
	if err != nil {
		return b.refusal(ctx, p, c, "cancel", err)
	}
	s := p.Action.Summary()
	b.auditEvent("cancel", c.Caller, c.Channel, s, "cancelled", slog.String("token_ref", tokenRef(c.Token)))
	return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Info, Title: "Cancelled: " + describe(s),
		Lines: []string{"Cancelled by " + c.Caller.Name + ". Nothing was changed."}})}
}

// refusal answers a click that may not proceed. A click by someone else, or
// a repeat click, leaves the message as it is and only tells the clicker;
// an expired or unknown token replaces the buttons with the reason.
func (b *Bot) refusal(ctx context.Context, p *Pending, c Click, event string, err error) Outcome {
	var settled *SettledError
	var s commands.Summary
	if p != nil {
		s = p.Action.Summary()
	}
	switch {
	case errors.Is(err, ErrNotRequester):
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: not the requester", slog.String("requester", p.Requester.UserID))
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "Only " + p.Requester.Name + " can " + event + " this.",
			Lines: []string{"Ask them, or run the command yourself."}})}
	case errors.As(err, &settled) && settled.State != "expired":
		b.auditEvent(event, c.Caller, c.Channel, s, "ignored: already "+settled.State)
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Info, Title: capitalize(err.Error()) + "."})}
	case errors.As(err, &settled):
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: expired")
		return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s), Lines: []string{capitalize(err.Error()) + "."}})}
	default:
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: unknown token")
		return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: capitalize(err.Error()) + "."})}
	}
}

// expired is called by the gate when a confirmation times out.
func (b *Bot) expired(p *Pending) {
	s := p.Action.Summary()
	b.auditEvent("expire", p.Requester, p.Channel, s, "expired", slog.String("token_ref", tokenRef(p.Token)))
	if notify := p.expiryHook(); notify != nil {
		notify(b.finish(reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s),
			Lines: []string{fmt.Sprintf("Not confirmed within %s. Nothing was changed; run the command again if it is still needed.", humanDuration(b.gate.TTL()))}}))
	}
}

// run performs an action with a deadline of its own: the chat request that
// started it may be long gone.
func (b *Bot) run(ctx context.Context, a commands.Action, who commands.Caller, channel string) reply.Reply {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.workTTL)
	defer cancel()
	s := a.Summary()
	started := time.Now()
	r, err := a.Run(ctx)
	took := slog.Duration("took", time.Since(started))
	if err != nil {
		b.auditEvent("result", who, channel, s, "error", slog.String("error", err.Error()), took)
		return b.finish(b.errorReply(ctx, err, s.Verb))
	}
	b.auditEvent("result", who, channel, s, "done", slog.String("title", r.Title), took)
	return b.finish(r)
}

// errorReply shows user errors as written and hides internal ones behind a
// reference that is in the log.
func (b *Bot) errorReply(ctx context.Context, err error, verb string) reply.Reply {
	var usage *commands.UsageError
	var notConfigured *commands.NotConfiguredError
	var vendorErr *vendors.Error
	var unreachable *vendors.UnreachableError
	switch {
	case errors.As(err, &usage):
		return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + usage.Problem, Code: usage.Usage}
	case errors.As(err, &notConfigured):
		return reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + notConfigured.Vendor + " is not configured.", Lines: []string{capitalize(notConfigured.Hint) + "."}}
	case errors.As(err, &vendorErr):
		lines := []string{}
		if vendorErr.Code != "" {
			lines = append(lines, "Code: `"+vendorErr.Code+"`")
		}
		if vendorErr.Message != "" {
			lines = append(lines, "Message: "+vendorErr.Message)
		}
		if vendorErr.RequestID != "" {
			lines = append(lines, "Request ID: `"+vendorErr.RequestID+"`")
		}
		title := vendorErr.Vendor + " refused the request"
		if vendorErr.Status != 0 {
			title += fmt.Sprintf(" (HTTP %d)", vendorErr.Status)
		}
		return reply.Reply{Tone: reply.Failure, Title: title, Lines: lines}
	case errors.As(err, &unreachable):
		return reply.Reply{Tone: reply.Failure, Title: unreachable.Vendor + " did not answer",
			Lines: []string{fmt.Sprintf("No answer within %s. The outcome is unknown: check %s before trying again.", unreachable.Timeout, unreachable.Vendor)}}
	default:
		return b.InternalError(ctx, "internal error", err, "verb", verb)
	}
}

// InternalError logs err with a fresh reference and returns the reply a
// user sees: the reference, and nothing of the error itself. Adapters use it
// for their own failures (a form that would not open).
func (b *Bot) InternalError(ctx context.Context, msg string, err error, attrs ...any) reply.Reply {
	ref := newRef()
	b.log.ErrorContext(ctx, msg, append([]any{"ref", ref, "error", err}, attrs...)...)
	return b.finish(reply.Reply{Tone: reply.Failure, Title: "Something went wrong on our side (ref " + ref + ").",
		Lines: []string{"The details are in the bot's log under that reference."}})
}

func (b *Bot) confirmation(p *Pending) reply.Reply {
	s := p.Action.Summary()
	lines := []string{fmt.Sprintf("%s asked to %s in %s.", p.Requester.Name, describe(s), s.Vendor)}
	return reply.Reply{
		Tone:  reply.Warning,
		Title: "Confirm: " + describe(s) + "?",
		Lines: lines,
		Lists: idList(s),
		Buttons: []reply.Button{
			{Label: "Confirm", Action: reply.Confirm, Value: p.Token, Style: reply.Danger},
			{Label: "Cancel", Action: reply.Cancel, Value: p.Token},
		},
		Footer: fmt.Sprintf("Only %s can confirm. Expires in %s (at %s UTC).", p.Requester.Name, humanDuration(b.gate.TTL()), p.ExpiresAt.UTC().Format("15:04:05")),
	}
}

func (b *Bot) finish(r reply.Reply) reply.Reply {
	if b.note != "" {
		if r.Footer != "" {
			r.Footer += " "
		}
		r.Footer += b.note
	}
	return r
}

func (b *Bot) auditEvent(event string, who commands.Caller, channel string, s commands.Summary, outcome string, extra ...any) {
	attrs := []any{
		slog.String("event", event),
		slog.String("platform", who.Platform), slog.String("user", who.UserID), slog.String("user_name", who.Name),
		slog.String("channel", channel),
		slog.String("verb", s.Verb), slog.String("vendor", s.Vendor), slog.String("operation", s.Operation),
		slog.Int("count", len(s.IDs)), slog.Any("ids", s.IDs),
		slog.String("outcome", outcome),
	}
	if s.Target != "" {
		attrs = append(attrs, slog.String("target", s.Target))
	}
	b.audit.Info("audit", append(attrs, extra...)...)
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
	return fmt.Sprintf("%s (%d)", d, len(s.IDs))
}

func idList(s commands.Summary) []reply.List {
	if len(s.IDs) == 0 {
		return nil
	}
	return []reply.List{{Label: fmt.Sprintf("IDs (%d)", len(s.IDs)), Items: s.IDs}}
}

// tokenRef is a prefix of a token, enough to correlate log lines without
// writing a usable token to the log.
func tokenRef(token string) string {
	if len(token) > 6 {
		return token[:6]
	}
	return token
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

func newRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
