// Package bot is the platform-neutral core: every chat adapter hands it
// typed commands and button presses, and it parses them, gates destructive
// actions behind a confirmation, runs them, audits everything, and returns
// replies for the adapter to render.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Request is a typed command, or a chat form's fields already split into
// words (Words, verb first), from one user in one channel.
type Request struct {
	Caller  commands.Caller
	Channel string
	Text    string   // "/incident delete a b"; used when Words is nil
	Words   []string // ["delete", "a", "b"]
	// Message tells the adapter's Updater where this request's answer is
	// shown, so a confirmation can be updated when it expires. It is a
	// credential (a response URL, an interaction token): never logged.
	Message string
	// Forms says the adapter can open forms: a verb typed alone that needs
	// text (create) then opens its form instead of failing.
	Forms bool
	// Roles are the caller's roles where the platform says (Discord
	// member roles), for the access policy.
	Roles []string
}

// Click is a button press.
type Click struct {
	Caller  commands.Caller
	Channel string
	Press   reply.Press
	Roles   []string // as in Request
}

// Form asks the adapter to open a verb's form. Values holds what is
// already known (the ticket a card's button is about).
type Form struct {
	Verb   commands.Verb
	Values map[string]string
}

// Outcome is what an adapter shows now and, if Work is set, what it shows
// after Work returns. Work may be slow (a vendor call); adapters acknowledge
// the platform first and run Work after.
type Outcome struct {
	Reply reply.Reply
	// Notice means Reply is a private note to the clicker, and the message
	// that holds the buttons must stay as it is.
	Notice bool
	// Token is the confirmation this outcome asks for, if any.
	Token string
	// Field names the option a rejected command got wrong ("title"), so a
	// chat form can show the problem next to that input.
	Field string
	// Form, when set, is a form to open instead of a reply.
	Form *Form
	Work func(ctx context.Context) reply.Reply
	// Unfinished, set with Work, is what to show if the bot must stop
	// before Work returns: the outcome is unknown, and where to check. It
	// writes the audit line for it.
	Unfinished func() reply.Reply
}

// Updater replaces the message an adapter showed (identified by the
// Request's Message) with r. The bot calls it when a confirmation expires.
type Updater func(ctx context.Context, message string, r reply.Reply)

// Options configure a Bot.
type Options struct {
	ConfirmTTL  time.Duration
	WorkTimeout time.Duration // the most a confirmed action may take in all its vendor calls
	Now         func() time.Time
	Logger      *slog.Logger
	// Note is added to the footer of every reply (the sandbox warning).
	Note string
	// Store keeps pending confirmations; an in-memory store by default.
	Store pending.Store
	// Limits bound the pending confirmations (per user and in all).
	Limits pending.Limits
	// SweepEvery is how often expired confirmations are looked for; the
	// sweep does not run when it is negative (tests call Sweep).
	SweepEvery time.Duration
	// Access holds the access policy; nil lets every user run every verb.
	Access *policy.Holder
	// Runs records running actions under leases, and Values keeps
	// de-duplication keys; both in memory by default, shared on Redis.
	Runs   pending.Runs
	Values pending.Values
	// RunLease is how long a running action's lease lasts without renewal
	// (default 30s): past it another process reports the outcome unknown.
	RunLease time.Duration
	// Metrics records commands, confirmations and vendor requests; nil
	// records nothing.
	Metrics *metrics.Metrics
	// ForgetOnStop: Stop drops every open confirmation and updates its
	// message to say the bot restarted. True for a store a restart loses
	// (the in-memory one); false for a shared store that keeps them.
	ForgetOnStop bool
}

// Bot dispatches requests and clicks. It is safe for concurrent use.
type Bot struct {
	registry *commands.Registry
	store    pending.Store
	limits   pending.Limits
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	audit    *slog.Logger
	note     string
	workTTL  time.Duration
	updates  *Background // expiry updates, audit channel posts
	access   *policy.Holder
	runs     pending.Runs
	values   pending.Values
	runLease time.Duration
	metrics  *metrics.Metrics
	forget   bool

	mu            sync.Mutex
	updaters      map[string]Updater // by platform
	auditPlatform string
	auditPost     AuditPoster
	stop          context.CancelFunc
}

// New returns a Bot over a command registry. Unless opt.SweepEvery is
// negative it starts looking for expired confirmations; Close stops that.
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
	if opt.Store == nil {
		opt.Store = pending.NewMemory()
	}
	if opt.SweepEvery == 0 {
		opt.SweepEvery = time.Second
	}
	if opt.Runs == nil || opt.Values == nil {
		mem := pending.NewMemoryRuns(opt.Now)
		if opt.Runs == nil {
			opt.Runs = mem
		}
		if opt.Values == nil {
			opt.Values = mem
		}
	}
	if opt.RunLease <= 0 {
		opt.RunLease = 30 * time.Second
	}
	b := &Bot{registry: registry, store: opt.Store, limits: opt.Limits, ttl: opt.ConfirmTTL, now: opt.Now,
		log: opt.Logger, audit: opt.Logger.With("log", "audit"), note: opt.Note, workTTL: opt.WorkTimeout,
		updates: NewBackground(16).Logger(opt.Logger), updaters: map[string]Updater{}, access: opt.Access,
		runs: opt.Runs, values: opt.Values, runLease: opt.RunLease, metrics: opt.Metrics, forget: opt.ForgetOnStop}
	opt.Metrics.Pending(opt.Store.Stats)
	ctx, stop := context.WithCancel(context.Background())
	b.stop = stop
	if opt.SweepEvery > 0 {
		go b.sweepEvery(ctx, opt.SweepEvery)
	}
	return b
}

// Close stops the expiry sweep and waits for the updates it started.
func (b *Bot) Close() {
	b.stop()
	b.updates.Wait()
}

// SetUpdater registers how to update a message on platform when a
// confirmation shown there expires.
func (b *Bot) SetUpdater(platform string, u Updater) {
	b.mu.Lock()
	b.updaters[platform] = u
	b.mu.Unlock()
}

// TTL is how long a confirmation stays valid.
func (b *Bot) TTL() time.Duration { return b.ttl }

// Handle parses and dispatches a command. It never blocks on a vendor: any
// vendor call is in the returned Work.
func (b *Bot) Handle(ctx context.Context, req Request) Outcome {
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
	verb := verbLabel(words)
	d, denied := b.decide(ctx, req, s)
	if denied != nil {
		b.metrics.Command(req.Caller.Platform, verb, metrics.Denied)
		return *denied
	}
	if _, ok := action.(commands.WhoAmI); ok {
		b.metrics.Command(req.Caller.Platform, verb, metrics.OK)
		return b.whoami(ctx, req)
	}
	if s.DryRun {
		b.metrics.Command(req.Caller.Platform, verb, metrics.OK)
		return b.dryRun(req, s, d)
	}
	if s.Vendor == "" { // help: nothing to wait for
		res, err := action.Run(ctx)
		if err != nil {
			b.metrics.Command(req.Caller.Platform, verb, metrics.Error)
			return Outcome{Reply: b.finish(b.errorReply(ctx, err, s.Verb))}
		}
		b.metrics.Command(req.Caller.Platform, verb, metrics.OK)
		return Outcome{Reply: b.finish(res.Reply)}
	}
	if !action.Destructive() && s.Once != "" {
		if o, ok := b.once(ctx, req, s, action); ok {
			return o
		}
	}
	if !action.Destructive() {
		b.auditEvent("request", req.Caller, req.Channel, s, "running")
		return Outcome{
			Reply: b.finish(reply.Reply{Tone: reply.Info, Title: "Working on it: " + describe(s) + "…"}),
			Work: func(ctx context.Context) reply.Reply {
				return b.run(ctx, action, trail{requester: req.Caller, channel: req.Channel})
			},
			Unfinished: b.unfinished(s, req.Caller, req.Channel),
		}
	}
	token, err := newToken()
	if err != nil {
		b.metrics.Command(req.Caller.Platform, verb, metrics.Error)
		return Outcome{Reply: b.finish(b.errorReply(ctx, err, s.Verb))}
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
	if err := b.store.Put(ctx, rec, b.limits); err != nil {
		var tooMany *pending.TooManyError
		if errors.As(err, &tooMany) {
			b.auditEvent("request", req.Caller, req.Channel, s, "refused: too many pending", slog.Int("open", tooMany.Open), slog.Int("limit", tooMany.Limit))
			b.metrics.Command(req.Caller.Platform, verb, metrics.Denied)
			return Outcome{Reply: b.finish(b.tooMany(tooMany))}
		}
		b.metrics.Command(req.Caller.Platform, verb, metrics.Error)
		return Outcome{Reply: b.storeTrouble(ctx, err, "verb", s.Verb)}
	}
	b.metrics.Command(req.Caller.Platform, verb, metrics.OK)
	b.auditEvent("request", req.Caller, req.Channel, s, "awaiting confirmation", slog.String("token_ref", tokenRef(token)))
	return Outcome{Reply: b.finish(b.confirmation(rec, s)), Token: token}
}

func (b *Bot) rejected(ctx context.Context, req Request, err error) Outcome {
	b.auditEvent("request", req.Caller, req.Channel, commands.Summary{Verb: firstWord(req)}, "rejected", slog.String("problem", err.Error()))
	o := Outcome{Reply: b.finish(b.errorReply(ctx, err, "parse"))}
	verb := metrics.Unknown
	if v, ok := commands.Lookup(firstWord(req)); ok {
		verb = v.Name
	} else if firstWord(req) == "" {
		verb = commands.DefaultVerb().Name
	}
	var usage *commands.UsageError
	if errors.As(err, &usage) {
		o.Field = usage.Field
	}
	b.metrics.Command(req.Caller.Platform, verb, resultLabel(err))
	return o
}

func (b *Bot) tooMany(e *pending.TooManyError) reply.Reply {
	r := reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + capitalize(e.Error()) + "."}
	if e.User {
		r.Lines = []string{fmt.Sprintf("Confirm or cancel the ones you have (their messages carry the buttons), or let them expire: each lasts %s.", humanDuration(b.ttl))}
	} else {
		r.Lines = []string{"Try again in a few minutes, when some have been confirmed, cancelled or expired. If this keeps happening, tell whoever runs the bot."}
	}
	return r
}

// Press handles any button: Confirm, Cancel, and the buttons that open a
// verb's form (a ticket card's Accept, Submit solution, Verify).
func (b *Bot) Press(ctx context.Context, c Click) Outcome {
	switch c.Press.Kind {
	case reply.Confirm:
		return b.settle(ctx, c, "confirm", pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, RequesterOnly: true}, nil)
	case reply.Cancel:
		return b.settle(ctx, c, "cancel", pending.Move{From: []pending.State{pending.Pending, pending.AwaitingApproval}, To: pending.Cancelled, RequesterOnly: true}, nil)
	case reply.Approve:
		return b.approve(ctx, c)
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
			return b.Handle(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles, Words: v.Words(values)})
		}
		return b.openForm(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles}, v, values)
	}
	return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Failure, Title: capitalize(reply.ErrUnknownButton.Error()) + "."})}
}

// openForm asks the adapter to open v's form, if v's vendor is configured
// and the caller may use it: nobody fills in a form only to be refused.
func (b *Bot) openForm(ctx context.Context, req Request, v commands.Verb, values map[string]string) Outcome {
	if err := b.registry.Configured(v.Name); err != nil {
		return Outcome{Reply: b.finish(b.errorReply(ctx, err, v.Name))}
	}
	if _, denied := b.decide(ctx, req, commands.Summary{Verb: v.Name, Vendor: v.Vendor}); denied != nil {
		return *denied
	}
	return Outcome{Form: &Form{Verb: v, Values: values}}
}

// settle makes one move on a confirmation and answers the click.
//
// read, when the caller has just read the confirmation (an Approve does),
// spares reading it again. A record's words never change, so they are
// parsed once, before the move, and the action kept for after it.
func (b *Bot) settle(ctx context.Context, c Click, event string, m pending.Move, read *pending.Record) Outcome {
	m.By, m.At = c.Caller, b.now()
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
				return Outcome{Reply: b.finish(b.errorReply(ctx, err, event))}
			}
			approvers, denied := b.recheck(ctx, *read, a.Summary(), c, event)
			if denied != nil {
				return *denied
			}
			action, m.Approvers = a, approvers
		}
		m.Seen = read // the store may judge on it rather than read again
	}
	rec, started, err := b.settleRun(ctx, c.Press.Value, m)
	if err != nil {
		return b.refusal(ctx, rec, c, event, err)
	}
	if action == nil {
		if action, err = b.registry.ParseWords(rec.Words, rec.Requester); err != nil {
			return Outcome{Reply: b.finish(b.errorReply(ctx, err, event))}
		}
	}
	s := action.Summary()
	if m.To == pending.Cancelled {
		b.metrics.Confirmation(metrics.Cancelled)
		b.auditEvent("cancel", c.Caller, c.Channel, s, "cancelled", slog.String("token_ref", tokenRef(c.Press.Value)))
		return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Info, Title: "Cancelled: " + describe(s),
			Lines: []string{"Cancelled by " + c.Caller.Name + ". Nothing was changed."}})}
	}
	people := approvalAttrs(rec)
	if rec.State == pending.AwaitingApproval {
		b.auditEvent("confirm", c.Caller, c.Channel, s, "awaiting approval", append(people, slog.String("token_ref", tokenRef(c.Press.Value)), slog.Any("approvers", rec.Approvers))...)
		return b.awaitingApproval(rec, s)
	}
	b.metrics.Confirmation(metrics.Confirmed) // confirmed, and approved where policy asks
	b.auditEvent(event, c.Caller, c.Channel, s, "confirmed", append(people, slog.String("token_ref", tokenRef(c.Press.Value)))...)
	by := "Confirmed by " + rec.ConfirmedBy.Name + "."
	if event == "approve" {
		by = "Confirmed by " + rec.ConfirmedBy.Name + ", approved by " + c.Caller.Name + "."
	}
	running := reply.Reply{Tone: reply.Info, Title: "Running: " + describe(s) + "…", Lines: []string{by}, Lists: idList(s)}
	t := trailOf(rec)
	return Outcome{
		Reply: b.finish(running),
		Work: func(ctx context.Context) reply.Reply {
			return b.leased(ctx, rec, started, func(ctx context.Context) reply.Reply {
				return b.run(ctx, action, t, people...)
			})
		},
		Unfinished: b.unfinished(s, rec.Requester, rec.Channel),
	}
}

// unfinished is the Unfinished notice of an action: what a user sees, and
// the audit line written, when the bot stops before the action returns.
func (b *Bot) unfinished(s commands.Summary, who commands.Caller, channel string) func() reply.Reply {
	return func() reply.Reply {
		b.auditEvent("result", who, channel, s, "unknown: the bot stopped before the action finished")
		check := "check " + s.Vendor + " before trying again"
		if s.Vendor == "" {
			check = "run it again"
		}
		return b.finish(reply.Reply{Tone: reply.Warning, Public: true, Title: "Outcome unknown: " + describe(s),
			Lines: []string{"The bot was stopped (a restart or a deploy) while this was running, so it cannot say what " + s.Vendor + " did.",
				"Please " + check + "."},
			Lists: idList(s)})
	}
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
	b.auditEvent("deliver", who, channel, commands.Summary{}, "undelivered", slog.String("title", r.Title), slog.Any("result", lines),
		slog.String("footer", r.Footer), slog.String("error", err.Error()))
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
			b.auditEvent("expire", rec.Requester, rec.Channel, s, "dropped: the bot stopped", slog.String("token_ref", tokenRef(rec.Token)))
			b.notify(ctx, rec, b.finish(reply.Reply{Tone: reply.Warning, Title: "The bot restarted: " + describe(s) + " was not run",
				Lines: []string{"This confirmation was lost when the bot stopped. Nothing was changed; run the command again if it is still needed."}}))
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

// refusal answers a click that may not proceed. A click by someone else, or
// a repeat click, leaves the message as it is and only tells the clicker;
// an expired or unknown token replaces the buttons with the reason.
func (b *Bot) refusal(ctx context.Context, rec pending.Record, c Click, event string, err error) Outcome {
	var settled *pending.SettledError
	s := b.summaryOf(rec)
	b.metrics.Confirmation(metrics.Refused) // a click not honoured, whatever the reason
	switch {
	case errors.Is(err, pending.ErrNotRequester):
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: not the requester", slog.String("requester", rec.Requester.UserID))
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "Only " + rec.Requester.Name + " can " + event + " this.",
			Lines: []string{"Ask them, or run the command yourself."}})}
	case errors.Is(err, pending.ErrApprovalChanged):
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Info, Title: capitalize(err.Error()) + "."})}
	case errors.Is(err, pending.ErrRequester):
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: the requester may not approve")
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "You asked for this, so you cannot also approve it.",
			Lines: []string{"A second person must: one of " + strings.Join(rec.Approvers, ", ") + "."}})}
	case errors.As(err, &settled) && settled.State != pending.Expired:
		b.auditEvent(event, c.Caller, c.Channel, s, "ignored: already "+settled.State.String())
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Info, Title: capitalize(err.Error()) + "."})}
	case errors.As(err, &settled):
		if settled.Now {
			b.expired(ctx, rec) // audit and update the message, as the sweep would have
		}
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: expired")
		return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s), Lines: []string{capitalize(err.Error()) + "."}})}
	case errors.Is(err, pending.ErrNotDurable):
		b.log.WarnContext(ctx, "a click was refused: no replica of the store acknowledged it", "error", err, "token_ref", tokenRef(c.Press.Value))
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: not replicated")
		return Outcome{Notice: true, Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: capitalize(pending.ErrNotDurable.Error()) + "."})}
	case errors.Is(err, pending.ErrUnknownToken):
		b.auditEvent(event, c.Caller, c.Channel, s, "refused: unknown token")
		return Outcome{Reply: b.finish(reply.Reply{Tone: reply.Warning, Title: capitalize(err.Error()) + "."})}
	default:
		return Outcome{Notice: true, Reply: b.storeTrouble(ctx, err, "event", event)}
	}
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

// expired audits an expired confirmation and has its message updated. The
// updates run at most a few at a time: a thousand expiries at once must
// not open a thousand connections to a slow chat platform.
func (b *Bot) expired(ctx context.Context, rec pending.Record) {
	s := b.summaryOf(rec)
	b.metrics.Confirmation(metrics.Expired)
	b.auditEvent("expire", rec.Requester, rec.Channel, s, "expired", slog.String("token_ref", tokenRef(rec.Token)))
	b.notify(ctx, rec, b.finish(reply.Reply{Tone: reply.Warning, Title: "Expired: " + describe(s),
		Lines: []string{fmt.Sprintf("Not confirmed within %s. Nothing was changed; run the command again if it is still needed.", humanDuration(b.ttl))}}))
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
	b.updates.Queue(ctx, func(ctx context.Context) { update(ctx, rec.Message, r) })
}

// run performs an action with a deadline of its own: the chat request that
// started it may be long gone.
func (b *Bot) run(ctx context.Context, a commands.Action, t trail, people ...any) reply.Reply {
	_, r := b.runResult(ctx, a, t, people...)
	return r
}

// ran is what running an action gave: its result, or its error.
type ran struct {
	commands.Result
	Err error
}

// runResult runs an action, audits the result and returns it with the
// reply that shows it. Its vendor requests are counted, its progress goes
// to the adapter's sink (WithProgress), and its result to the audit log
// and, where one is set, the audit channel.
func (b *Bot) runResult(ctx context.Context, a commands.Action, t trail, people ...any) (ran, reply.Reply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.workTTL)
	defer cancel()
	s := a.Summary()
	ctx = vendors.WithRequestWatcher(ctx, func(o vendors.Outcome, took time.Duration) {
		b.metrics.VendorRequest(s.Vendor, s.Verb, o.String(), took)
	})
	if show := progressSink(ctx); show != nil {
		ctx = commands.WithProgress(ctx, func(r reply.Reply) { show(b.finish(r)) })
	}
	who, channel := t.requester, t.channel
	started := time.Now()
	res, err := runRecovered(ctx, a)
	took := slog.Duration("took", time.Since(started))
	if !a.Destructive() { // counted when it ran; a destructive one when it was asked for
		b.metrics.Command(who.Platform, s.Verb, resultLabel(err))
	}
	if p, ok := err.(*PanicError); ok {
		b.auditEvent("result", who, channel, s, "error", append(people, slog.String("error", err.Error()), took)...)
		return ran{Err: err}, b.Panicked(ctx, "an action", p)
	}
	if auditsToChannel(a, res, err) {
		b.postAudit(ctx, t, s, &res, err)
	}
	if err != nil {
		attrs := append(people, slog.String("error", err.Error()), took)
		var refused *vendors.Error
		var unknown *vendors.UnreachableError
		switch {
		case errors.As(err, &unknown):
			attrs = append(attrs, slog.String("vendor_detail", unknown.Detail), slog.String("request_id", unknown.RequestID))
			b.auditEvent("result", who, channel, s, "unknown", attrs...)
			return ran{Err: err}, b.finish(outcomeUnknown(unknown, s))
		case errors.As(err, &refused):
			attrs = append(attrs, slog.String("vendor_detail", refused.Detail), slog.String("request_id", refused.RequestID))
			b.auditEvent("result", who, channel, s, "refused", attrs...)
		case errors.As(err, new(*vendors.NotSentError)):
			b.auditEvent("result", who, channel, s, "not sent", attrs...)
		default:
			b.auditEvent("result", who, channel, s, "error", attrs...)
		}
		return ran{Err: err}, b.finish(b.errorReply(ctx, err, s.Verb))
	}
	attrs := append(people, slog.String("title", res.Reply.Title), took)
	if res.Batch != nil {
		attrs = append(attrs, slog.Int("done", res.Batch.Count(vendors.Done)), slog.Int("refused", res.Batch.Count(vendors.Refused)),
			slog.Int("unknown", res.Batch.Count(vendors.Unknown)), slog.Int("not_attempted", res.Batch.Count(vendors.NotAttempted)))
	}
	if len(res.RequestIDs) > 0 {
		attrs = append(attrs, slog.Any("request_ids", res.RequestIDs))
	}
	b.auditEvent("result", who, channel, s, "done", attrs...)
	return ran{Result: res}, b.finish(res.Reply)
}

// runRecovered runs an action; a panic in it becomes an error (with the
// stack, for the log) instead of ending the process.
func runRecovered(ctx context.Context, a commands.Action) (res commands.Result, err error) {
	defer func() {
		if p := Recovered(recover()); p != nil {
			err = p
		}
	}()
	return a.Run(ctx)
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

// approvalAttrs are the audit attributes naming who confirmed and who
// approved a stored action.
func approvalAttrs(rec pending.Record) []any {
	attrs := []any{slog.String("requester", rec.Requester.Platform+":"+rec.Requester.UserID)}
	if rec.ConfirmedBy.UserID != "" {
		attrs = append(attrs, slog.String("confirmed_by", rec.ConfirmedBy.Platform+":"+rec.ConfirmedBy.UserID))
	}
	if rec.State == pending.Confirmed && rec.SettledBy.UserID != "" && !sameUser(rec.SettledBy, rec.ConfirmedBy) {
		attrs = append(attrs, slog.String("approved_by", rec.SettledBy.Platform+":"+rec.SettledBy.UserID))
	}
	return attrs
}

// trailOf names who had a hand in a stored action, for the audit channel.
func trailOf(rec pending.Record) trail {
	t := trail{requester: rec.Requester, confirmer: rec.ConfirmedBy, channel: rec.Channel}
	if rec.State == pending.Confirmed && rec.SettledBy.UserID != "" && !sameUser(rec.SettledBy, rec.ConfirmedBy) {
		t.approver = rec.SettledBy
	}
	return t
}

// resultLabel is a command's result for metrics: a mistake in what was
// typed, or an error (a vendor's refusal, an unreachable vendor, ours).
func resultLabel(err error) string {
	var usage *commands.UsageError
	switch {
	case err == nil:
		return metrics.OK
	case errors.As(err, &usage):
		return metrics.UsageError
	}
	return metrics.Error
}

// errorReply shows user errors as written and hides internal ones behind a
// reference that is in the log.
func (b *Bot) errorReply(ctx context.Context, err error, verb string) reply.Reply {
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

func (b *Bot) confirmation(rec pending.Record, s commands.Summary) reply.Reply {
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
		Footer: fmt.Sprintf("Only %s can confirm. Expires in %s (at %s UTC).", rec.Requester.Name, humanDuration(b.ttl), rec.ExpiresAt.UTC().Format("15:04:05")),
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
	if !b.audit.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	// slog.Attrs, not ...any: every Attr boxed in an interface is an
	// allocation, on the path of every command.
	attrs := make([]slog.Attr, 0, 12+len(extra))
	attrs = append(attrs,
		slog.String("event", event),
		slog.String("platform", who.Platform), slog.String("user", who.UserID), slog.String("user_name", who.Name),
		slog.String("channel", channel),
		slog.String("verb", s.Verb), slog.String("vendor", s.Vendor), slog.String("operation", s.Operation),
		slog.Int("count", len(s.IDs)), slog.Any("ids", s.IDs),
		slog.String("outcome", outcome),
	)
	if s.Target != "" {
		attrs = append(attrs, slog.String("target", s.Target))
	}
	for i, x := range extra {
		a, ok := x.(slog.Attr)
		if !ok { // key-value pairs: as slog reads them
			args := make([]any, 0, len(attrs)+len(extra)-i)
			for _, a := range attrs {
				args = append(args, a)
			}
			b.audit.Info("audit", append(args, extra[i:]...)...)
			return
		}
		attrs = append(attrs, a)
	}
	b.audit.LogAttrs(context.Background(), slog.LevelInfo, "audit", attrs...)
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

// newToken returns 130 bits of randomness as 26 lowercase base32 characters:
// unguessable, and short enough for Slack action IDs and Discord custom IDs.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tokenEncoding.EncodeToString(b[:]), nil
}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

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
