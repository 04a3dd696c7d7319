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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/picker"
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
	bot       Dispatcher
	session   *discordgo.Session
	appID     string
	guildID   string
	publicKey ed25519.PublicKey
	log       *slog.Logger
	forms     *formStore
	work      *bot.Background // work started after an initial response
	now       func() time.Time
	seen      pending.OnceSet
	perms     *int64

	metrics       *metrics.Metrics
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
	logger := bot.Redacting(o.Logger).With("platform", "discord")
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
		work: bot.NewBackground(64).Logger(logger), now: o.Now, seen: o.Seen, perms: perms,
		metrics: o.Metrics, progressEvery: o.ProgressEvery, picker: o.Picker}
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

// GatewayReady is a readiness probe: nil while the gateway session is up.
func (a *Adapter) GatewayReady(context.Context) error {
	if !a.connected.Load() {
		return errors.New("discord gateway is not connected")
	}
	return nil
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
	mux.HandleFunc("POST /discord/interactions", a.serveInteraction)
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

// RunGateway connects to the gateway and serves interactions until ctx is done.
func (a *Adapter) RunGateway(ctx context.Context) error {
	if err := a.session.Open(); err != nil {
		return fmt.Errorf("discord gateway: %w", err)
	}
	<-ctx.Done()
	return a.session.Close()
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if problem := a.checkSignature(r.Header, body); problem != "" {
		a.log.Warn("request refused: bad signature", "problem", problem, "remote", r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	// The same signature twice is a replay: Discord sends each interaction
	// once. It gets 401 like any request Discord did not just sign.
	first, err := a.seen.SeenOnce(r.Context(), "discord-sig:"+r.Header.Get("X-Signature-Ed25519"), 2*maxSkew)
	if err != nil { // the shared cache is down: serve rather than stop answering
		a.log.Error("replay cache unavailable; serving the request", "error", err)
	} else if !first {
		a.log.Warn("replayed request refused", "remote", r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		a.log.Warn("interaction is not JSON", "error", err)
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	resp, after := a.safeHandle(r.Context(), &i)
	// Count the work before answering, so Wait (a graceful stop) cannot miss
	// it; start it after the answer is flushed, so edits follow the response.
	start := a.work.Later(after)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	start()
}

// checkSignature returns what is wrong with Discord's Ed25519 signature
// over timestamp+body, or "". The timestamp must be within maxSkew of our
// clock, so a captured request cannot be replayed later.
func (a *Adapter) checkSignature(h http.Header, body []byte) string {
	if a.publicKey == nil {
		return "no public key configured"
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	ts := h.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || ts == "" {
		return "missing or malformed signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if skew := a.now().Sub(time.Unix(secs, 0)); skew > maxSkew || skew < -maxSkew {
		return "stale timestamp"
	}
	if !ed25519.Verify(a.publicKey, append([]byte(ts), body...), sig) {
		return "signature mismatch"
	}
	return ""
}

// safeHandle is handle with a recover: a malformed interaction that makes
// anything panic gets a short answer with a reference (the log has the
// stack), and the process lives.
func (a *Adapter) safeHandle(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse, after func(context.Context)) {
	defer func() {
		if p := bot.Recovered(recover()); p != nil {
			resp, after = say(a.bot.InternalError(ctx, "discord: recovered from a panic", p, "interaction_type", int(i.Type), "stack", p.Stack)), nil
		}
	}()
	return a.handle(ctx, i)
}

// onInteractionCreate is the gateway path: the same handling, with the
// initial response sent over REST.
func (a *Adapter) onInteractionCreate(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	ctx := context.Background()
	// discordgo runs this in a goroutine of its own with no recover: a
	// panic here would end the process.
	defer func() {
		if p := bot.Recovered(recover()); p != nil {
			a.log.Error("discord gateway: recovered from a panic", "error", p, "stack", p.Stack)
		}
	}()
	if ic == nil || ic.Interaction == nil {
		return
	}
	resp, after := a.safeHandle(ctx, ic.Interaction)
	start := a.work.Later(after)
	if err := a.rest(ctx, func() error { return a.session.InteractionRespond(ic.Interaction, resp) }); err != nil {
		a.log.Error("initial response failed", "error", err, "interaction", ic.ID)
	}
	start() // even after a failed response: a confirmed action must still report
}

// OnInteractionCreate exposes the gateway handler, so tests drive the
// gateway path with InteractionCreate events.
func (a *Adapter) OnInteractionCreate(ic *discordgo.InteractionCreate) {
	a.onInteractionCreate(a.session, ic)
}

// rest runs a REST call, waiting out 429s as bot.RateLimits allows
// (discordgo on its own would wait without limit).
func (a *Adapter) rest(ctx context.Context, call func() error) error {
	for tries := 1; ; tries++ {
		err := call()
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			return err
		}
		wait, again := bot.RateLimits.Wait(tries, rl.RetryAfter)
		if !again {
			return fmt.Errorf("discord rate limit: gave up after %d tries (retry after %s): %w", tries, rl.RetryAfter, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// rewriteHost sends requests for discord.com to another base URL. discordgo
// computes its endpoints once, from a constant, so this is the one place an
// override can live.
type rewriteHost struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "discord.com" {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host = t.base.Scheme, t.base.Host
		req.URL.Path = strings.TrimRight(t.base.Path, "/") + req.URL.Path
		req.Host = t.base.Host
	}
	return t.next.RoundTrip(req)
}
