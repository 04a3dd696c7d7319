// Package discord is the Discord adapter: one /incident application command
// with subcommands, its modals and its confirmation buttons, over the
// gateway (discordgo's InteractionCreate) or the HTTP interactions endpoint
// (Ed25519-signed). Every interaction gets its initial response at once;
// slow work edits that response afterwards.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/ackbudget"
	"github.com/incidentbot/incidentbot/bot/deliver"
	"github.com/incidentbot/incidentbot/bot/logging"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

const (
	maxBody = 512 << 10
	// maxSkew is how old (or how far in the future) a signed interaction
	// may be: Discord answers within seconds, so a captured request
	// cannot be replayed later.
	maxSkew = 5 * time.Minute
)

// ManageGuild is the permission Discord calls "Manage Server": the default
// for who sees /incident (DISCORD_DEFAULT_PERMISSIONS).
const ManageGuild int64 = discordgo.PermissionManageGuild

// Dispatcher is what the adapter needs of the bot.
type Dispatcher interface {
	Handle(ctx context.Context, req bot.Request) bot.Outcome
	Press(ctx context.Context, c bot.Click) bot.Outcome
	InternalError(ctx context.Context, msg string, err error, attrs ...any) reply.Reply
	// Undelivered records a result no route could show (the audit keeps it).
	Undelivered(ctx context.Context, who commands.Caller, channel string, r reply.Reply, err error)
}

// Options configure an Adapter.
type Options struct {
	Bot       Dispatcher
	BotToken  string // for the gateway and command registration
	AppID     string
	GuildID   string // register the command in this guild only (instant); global when empty
	PublicKey string // hex Ed25519 key, for the HTTP interactions endpoint
	APIURL    string // replaces https://discord.com in REST calls (tests)
	Logger    *slog.Logger
	// Values keeps open forms' known values; in memory by default, shared
	// when several replicas serve the application.
	Values pending.Values
	Now    func() time.Time // the clock for signature freshness
	// Seen remembers signatures for the freshness window, so an exact
	// replay is refused. In memory by default; replicas share one.
	Seen pending.OnceSet
	// BotChecksReplays hands the replay keys of typed commands and button
	// presses to the bot (bot.Request.Replay, bot.Click.Replay), which
	// checks them with its first store operation: one round trip fewer
	// on Redis. Set it only when the bot's replay cache (bot.Options.Seen
	// and its store's) is Seen.
	BotChecksReplays bool
	// DefaultPermissions is the command's default_member_permissions, who
	// in a server may use /incident until an admin changes it (Server
	// Settings > Integrations): a decimal permission bit set ("32", Manage
	// Server, when empty), "0" for administrators only, or "everyone".
	DefaultPermissions string
	// Metrics counts deliveries; nil counts nothing.
	Metrics *metrics.Metrics
	// ProgressEvery is the least time between two progress edits of one
	// message, default 1s; negative shows every one (tests).
	ProgressEvery time.Duration
	// Picker offers IDs as autocomplete choices and finds them in
	// messages; nil offers none (autocomplete answers no choices).
	Picker *picker.Picker
}

// Adapter serves one Discord application.
type Adapter struct {
	bot        Dispatcher
	session    *discordgo.Session
	appID      string
	guildID    string
	publicKey  ed25519.PublicKey
	log        *slog.Logger
	forms      *formStore
	work       *work.Background // work started after an initial response
	now        func() time.Time
	seen       pending.OnceSet
	botReplays bool // Options.BotChecksReplays
	perms      *int64

	metrics       *metrics.Metrics
	chain         *deliver.Chain // shows results, with the fallbacks
	progressEvery time.Duration
	connected     atomic.Bool // the gateway session is ready
	picker        *picker.Picker
}

// New returns an Adapter. It makes no network call.
func New(o Options) (*Adapter, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Values == nil {
		o.Values = pending.NewMemoryRuns(nil)
	}
	if o.Seen == nil {
		o.Seen = pending.NewMemoryShared(o.Now)
	}
	perms, err := ParsePermissions(o.DefaultPermissions)
	if err != nil {
		return nil, err
	}
	// Every line this adapter logs is redacted: an interaction token is a
	// credential, and errors quote the webhook URL that carries it.
	logger := logging.Redacting(o.Logger).With("platform", "discord")
	token := o.BotToken
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	// discordgo sleeps and retries a 429 without limit; we bound it ourselves.
	s.ShouldRetryOnRateLimit = false
	// Interactions reach the gateway whatever the intents; subscribing to
	// none spares the bot every guild message and member event.
	s.Identify.Intents = discordgo.IntentsNone
	s.Client = &http.Client{Timeout: 15 * time.Second}
	if o.APIURL != "" {
		base, err := url.Parse(o.APIURL)
		if err != nil || base.Scheme == "" || base.Host == "" {
			return nil, fmt.Errorf("discord: DISCORD_API_URL %q is not an absolute URL", o.APIURL)
		}
		s.Client.Transport = &rewriteHost{base: base, next: http.DefaultTransport}
	}
	a := &Adapter{bot: o.Bot, session: s, appID: o.AppID, guildID: o.GuildID, log: logger, forms: &formStore{values: o.Values},
		work: work.NewBackground(64).Logger(logger), now: o.Now, seen: ackbudget.Once(o.Seen), botReplays: o.BotChecksReplays, perms: perms,
		metrics: o.Metrics, progressEvery: o.ProgressEvery, picker: o.Picker}
	a.chain = &deliver.Chain{Platform: "discord", Display: "Discord", Metrics: o.Metrics, Log: logger,
		Undelivered: func(ctx context.Context, who commands.Caller, channel string, r reply.Reply, err error) {
			a.bot.Undelivered(ctx, who, channel, r, err)
		}}
	if a.progressEvery == 0 {
		a.progressEvery = time.Second
	}
	if o.PublicKey != "" {
		key, err := hex.DecodeString(o.PublicKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return nil, errors.New("discord: DISCORD_PUBLIC_KEY is not a 64-character hex Ed25519 key")
		}
		a.publicKey = key
	}
	s.AddHandler(a.onInteractionCreate)
	s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { a.connected.Store(true) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { a.connected.Store(true) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) { a.connected.Store(false) })
	return a, nil
}

// ParsePermissions reads DISCORD_DEFAULT_PERMISSIONS: "" is Manage
// Server, "everyone" is nil (no restriction), anything else a decimal
// permission bit set ("0": administrators only).
func ParsePermissions(s string) (*int64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		p := ManageGuild
		return &p, nil
	case "everyone":
		return nil, nil
	}
	p, err := strconv.ParseInt(s, 10, 64)
	if err != nil || p < 0 {
		return nil, fmt.Errorf("discord: DISCORD_DEFAULT_PERMISSIONS %q is not a decimal permission bit set (32 = Manage Server, 0 = administrators only) or \"everyone\"", s)
	}
	return &p, nil
}

// Routes adds the HTTP interactions endpoint to mux.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /discord/interactions", ackbudget.Handler(a.serveInteraction))
}

// Wait blocks until work started after an initial response has finished.
func (a *Adapter) Wait() { a.work.Wait() }

// Drain waits for work started after an initial response until ctx is
// done, then tells each user whose action is still running that its
// outcome is unknown. It returns how many were told.
func (a *Adapter) Drain(ctx context.Context) int { return a.work.Drain(ctx) }

// RegisterCommands overwrites the application's commands with /incident
// and the message command: idempotent, guild-scoped when a guild is set.
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	return a.rest(ctx, func() error {
		_, err := a.session.ApplicationCommandBulkOverwrite(a.appID, a.guildID, Commands(a.perms))
		return err
	})
}
