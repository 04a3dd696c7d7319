// Package bot is the platform-neutral core: every chat adapter hands it
// typed commands and button presses, and it parses them, gates destructive
// actions behind a confirmation, runs them, and returns replies for the
// adapter to render.
//
// The files say who does what: handle.go dispatches; access.go asks the
// access policy; gate.go moves confirmations (confirm, cancel, approve,
// expire); runner.go runs actions (under a lease, once for a create);
// events.go emits one typed Event per step, which the audit log, the
// metrics and the audit channel (auditchannel.go) observe; present.go
// and present_reports.go own every sentence a user reads; errors.go
// the refusals, as data.
package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/lookup"
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
	// Replay, when set, is the verified request's replay-cache key, which
	// the adapter has not checked: the bot checks it with its first store
	// operation (one round trip for a command on a shared store) and
	// answers a replay with Replayed.
	Replay *pending.Replay
}

// Click is a button press.
type Click struct {
	Caller  commands.Caller
	Channel string
	Press   reply.Press
	Roles   []string        // as in Request
	Replay  *pending.Replay // as in Request: checked with the click's read
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
//
// The valid kinds, each made by its constructor:
//   - Answer: a Reply, nothing more (help, a refusal, a dry run);
//   - Note: a Reply private to the clicker, the buttons' message kept;
//   - Rejection: a Reply, and the Field a chat form should mark;
//   - Asking: a Reply asking to confirm, with the Token it asks for;
//   - OpenForm: a Form to open instead of a reply;
//   - Working: a Reply now, Work's reply after, and Unfinished if the bot
//     stops first.
//
// Notice, Token, Field and Form never go together, and Work comes only
// with Working, with two exceptions for the buttons of a partial result
// (rest.go), whose message must stay as it is: a Retry's new
// confirmation is a Note with its Token, and a Check is a Note with Work
// (a private note now, and Work's reply after as another private note).
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
	// Work is the slow part; it reports interim replies to progress
	// (which may be nil, and may drop replies that come too fast).
	Work func(ctx context.Context, progress Progress) reply.Reply
	// Unfinished, set with Work, is what to show if the bot must stop
	// before Work returns: the outcome is unknown, and where to check. It
	// writes the audit line for it.
	Unfinished func() reply.Reply
	// Enrich, set with Asking when the bot can look the targets up, shows
	// the same confirmation with each target as its vendor sees it.
	// Adapters acknowledge first, then call it: it takes up to a few
	// seconds, and calls show (at most once) to replace the confirmation's
	// message, unless the confirmation has moved on (confirmed, cancelled,
	// expired): a newer message is never overwritten. The terminal calls
	// it before it shows the confirmation.
	Enrich func(ctx context.Context, show func(context.Context, reply.Reply))
	// Replay means the request or click was a replay of one already
	// served (see Request.Replay): nothing was done, and the adapter
	// answers as it answers any replay.
	Replay bool
}

// Progress shows an interim reply of a running action ("SecMaster:
// deleted 60 of 180 so far…"), the same message updated in place as often
// as the adapter's platform allows. The final reply always follows.
type Progress func(reply.Reply)

// Answer is an outcome that is only a reply.
func Answer(r reply.Reply) Outcome { return Outcome{Reply: r} }

// Note is a reply private to the clicker; the message with the buttons
// stays as it is.
func Note(r reply.Reply) Outcome { return Outcome{Reply: r, Notice: true} }

// Rejection is a reply to a command that was not run, naming the form
// field it got wrong (empty when none).
func Rejection(r reply.Reply, field string) Outcome { return Outcome{Reply: r, Field: field} }

// Asking is a reply that asks to confirm the action stored under token.
func Asking(r reply.Reply, token string) Outcome { return Outcome{Reply: r, Token: token} }

// OpenForm asks the adapter to open a form.
func OpenForm(f Form) Outcome { return Outcome{Form: &f} }

// Working shows r now and runs work after; unfinished (may be nil) is
// what to show if the bot stops before work returns.
func Working(r reply.Reply, work func(context.Context, Progress) reply.Reply, unfinished func() reply.Reply) Outcome {
	return Outcome{Reply: r, Work: work, Unfinished: unfinished}
}

// Updater replaces the message an adapter showed (identified by the
// Request's Message, or by a reference its Announcer returned) with r.
// The bot calls it when a confirmation expires.
type Updater func(ctx context.Context, message string, r reply.Reply)

// Announcer posts r in channel as a message of the bot's own that the
// platform's Updater can edit later, and returns the reference to pass it:
// the public "Approval needed" message, so its expiry can remove the
// buttons.
type Announcer func(ctx context.Context, channel string, r reply.Reply) (ref string, err error)

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
	// Seen is the replay cache that Request.Replay and Click.Replay are
	// checked in when no store operation carries them: the OnceSet whose
	// keys Store's replay checks use (pending.ReplayChecker). In memory by
	// default.
	Seen pending.OnceSet
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
	// Lookup reads the vendors: a confirmation's targets, a ticket's
	// state after a step, a partial result's unknown IDs (its Check
	// button); every write invalidates what it touched. Nil: confirmations
	// show the IDs as typed, and there is no Check.
	Lookup *lookup.Reader
}

// Bot dispatches requests and clicks. It is safe for concurrent use.
type Bot struct {
	registry *commands.Registry
	store    pending.Store
	seen     pending.OnceSet
	limits   pending.Limits
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	audit    *slog.Logger
	say      presenter
	workTTL  time.Duration
	updates  *work.Background // expiry updates, audit channel posts
	access   *policy.Holder
	runs     pending.Runs
	values   pending.Values
	runLease time.Duration
	metrics  *metrics.Metrics
	forget   bool
	epoch    string // starts every token this process makes (newToken)
	lookup   *lookup.Reader

	// messages orders the updates of one confirmation's message in this
	// process: a confirmation's look-ups are shown, and its moves made,
	// under the lock of its token (see enrichment).
	messages [64]sync.Mutex
	// enriching holds a slot per confirmation whose look-ups run.
	enriching chan struct{}
	// lookupBudget bounds how many confirmations a second are looked up.
	lookupBudget budget

	mu            sync.Mutex
	updaters      map[string]Updater // by platform
	announcers    map[string]Announcer
	auditPlatform string
	auditPost     AuditPoster
	stop          context.CancelFunc
	// observers are Observe's, read without the lock on every event.
	observers atomic.Pointer[[]func(Event)]
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
	if opt.Seen == nil {
		opt.Seen = pending.NewMemoryShared(opt.Now)
	}
	if opt.Store == nil {
		opt.Store = pending.NewMemory().CheckReplaysIn(opt.Seen)
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
	b := &Bot{registry: registry, store: opt.Store, seen: opt.Seen, limits: opt.Limits, ttl: opt.ConfirmTTL, now: opt.Now,
		log: opt.Logger, audit: opt.Logger.With("log", "audit"), say: presenter{note: opt.Note, ttl: opt.ConfirmTTL}, workTTL: opt.WorkTimeout,
		updates: work.NewBackground(16).Logger(opt.Logger), updaters: map[string]Updater{}, announcers: map[string]Announcer{}, access: opt.Access,
		runs: opt.Runs, values: opt.Values, runLease: opt.RunLease, metrics: opt.Metrics, forget: opt.ForgetOnStop, lookup: opt.Lookup,
		enriching: make(chan struct{}, maxEnriching), epoch: newEpoch()}
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

// SetAnnouncer registers how to post an editable public message on
// platform. Without one, an approval request is the click's own reply,
// which nothing can edit later.
func (b *Bot) SetAnnouncer(platform string, a Announcer) {
	b.mu.Lock()
	b.announcers[platform] = a
	b.mu.Unlock()
}

// TTL is how long a confirmation stays valid.
func (b *Bot) TTL() time.Duration { return b.ttl }
