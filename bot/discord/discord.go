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
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands/reply"
)

const maxBody = 512 << 10

// Dispatcher is what the adapter needs of the bot.
type Dispatcher interface {
	Handle(ctx context.Context, req bot.Request) bot.Outcome
	Press(ctx context.Context, c bot.Click) bot.Outcome
	InternalError(ctx context.Context, msg string, err error, attrs ...any) reply.Reply
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
	// Metrics counts deliveries; nil counts nothing.
	Metrics *metrics.Metrics
	// ProgressEvery is the least time between two progress edits of one
	// message, default 1s; negative shows every one (tests).
	ProgressEvery time.Duration
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

	metrics       *metrics.Metrics
	progressEvery time.Duration
	connected     atomic.Bool // the gateway session is ready
}

// New returns an Adapter. It makes no network call.
func New(o Options) (*Adapter, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Values == nil {
		o.Values = pending.NewMemoryRuns(nil)
	}
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
	if o.ProgressEvery == 0 {
		o.ProgressEvery = time.Second
	}
	a := &Adapter{bot: o.Bot, session: s, appID: o.AppID, guildID: o.GuildID, log: o.Logger.With("platform", "discord"), forms: &formStore{values: o.Values},
		work: bot.NewBackground(64), metrics: o.Metrics, progressEvery: o.ProgressEvery}
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

// Routes adds the HTTP interactions endpoint to mux.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /discord/interactions", a.serveInteraction)
}

// Wait blocks until work started after an initial response has finished.
func (a *Adapter) Wait() { a.work.Wait() }

// RegisterCommands overwrites the application's commands with /incident:
// idempotent, guild-scoped when a guild is set.
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	return a.rest(ctx, func() error {
		_, err := a.session.ApplicationCommandBulkOverwrite(a.appID, a.guildID, []*discordgo.ApplicationCommand{Command()})
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
	if !a.signed(r.Header, body) {
		a.log.Warn("request refused: bad signature", "remote", r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		a.log.Warn("interaction is not JSON", "error", err)
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	resp, after := a.handle(r.Context(), &i)
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

// signed checks Discord's Ed25519 signature over timestamp+body.
func (a *Adapter) signed(h http.Header, body []byte) bool {
	if a.publicKey == nil {
		return false
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	ts := h.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || ts == "" {
		return false
	}
	return ed25519.Verify(a.publicKey, append([]byte(ts), body...), sig)
}

// onInteractionCreate is the gateway path: the same handling, with the
// initial response sent over REST.
func (a *Adapter) onInteractionCreate(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	ctx := context.Background()
	resp, after := a.handle(ctx, ic.Interaction)
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
