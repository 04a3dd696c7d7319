// Package slack is the Slack adapter: the /incident slash command, its
// modals and its confirmation buttons, over HTTP (signed webhooks) or Socket
// Mode. It verifies and acknowledges within Slack's 3 seconds, hands the
// request to the bot, and posts slow results to response_url or the Web API.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

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
	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

const (
	// maxBody bounds a request from Slack; real payloads are a few KiB.
	maxBody = 512 << 10
	// maxSkew is how old (or how far in the future) a signed request may be.
	maxSkew = 5 * time.Minute
	// postTimeout bounds one post to response_url or the Web API.
	postTimeout = 15 * time.Second
)

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
	Bot           Dispatcher
	BotToken      string // xoxb-...
	SigningSecret string // for HTTP; not needed in Socket Mode
	AppToken      string // xapp-..., for Socket Mode
	APIURL        string // Web API base, default https://slack.com/api/
	Now           func() time.Time
	Logger        *slog.Logger
	// HTTPClient carries Web API calls and response_url posts. Its transport
	// is wrapped to retry 429s a bounded number of times.
	HTTPClient *http.Client
	// Values keeps the cards forms were opened from; in memory by default,
	// shared when several replicas serve the app.
	Values pending.Values
	// Metrics counts deliveries; nil counts nothing.
	Metrics *metrics.Metrics
	// ProgressEvery is the least time between two progress updates of one
	// action, default 1s; negative shows every one (tests).
	ProgressEvery time.Duration
	// Seen remembers request signatures for the freshness window, so an
	// exact replay does nothing. In memory by default; replicas share one
	// (the Redis OnceSet) so a replay to another replica is caught too.
	Seen pending.OnceSet
	// BotChecksReplays hands the replay keys of slash commands and button
	// clicks to the bot (bot.Request.Replay, bot.Click.Replay), which
	// checks them with its first store operation: one round trip fewer
	// on Redis. Set it only when the bot's replay cache (bot.Options.Seen
	// and its store's) is Seen.
	BotChecksReplays bool
	// Picker feeds the forms' ID selects and finds IDs in messages; nil
	// leaves typed commands as they are (no picker forms).
	Picker *picker.Picker
}

// Adapter serves one Slack app.
type Adapter struct {
	bot    Dispatcher
	api    *slack.Client // Socket Mode only
	apiURL string        // the Web API base, ending in /
	token  string        // the bot token
	http   *http.Client
	secret []byte
	now    func() time.Time
	log    *slog.Logger
	work   *work.Background // confirmed actions: vendor work and its result
	// notes are private notes to refused clicks (dropped when too many
	// wait: the click was acknowledged); replies are other answers after
	// an ack. Neither can hold up an action's vendor call.
	notes, replies *work.Lane
	values         pending.Values
	seen           pending.OnceSet
	botReplays     bool // Options.BotChecksReplays

	metrics       *metrics.Metrics
	chain         *deliver.Chain // shows results, with the fallbacks
	progressEvery time.Duration
	connected     atomic.Bool // Socket Mode
	picker        *picker.Picker
}

// New returns an Adapter.
func New(o Options) *Adapter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Seen == nil {
		o.Seen = pending.NewMemoryShared(o.Now)
	}
	if o.Values == nil {
		o.Values = pending.NewMemoryRuns(nil)
	}
	// Every line this adapter logs goes through the redactor: a response
	// URL is a credential, and net/http errors quote the URL they failed on.
	logger := logging.Redacting(o.Logger).With("platform", "slack")
	base := o.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	hc.Transport = &httpretry.Transport{Next: base.Transport, Policy: httpretry.Default}
	apiURL := "https://slack.com/api/"
	if o.APIURL != "" {
		apiURL = strings.TrimRight(o.APIURL, "/") + "/"
	}
	// slack-go's client carries Socket Mode only (apps.connections.open
	// and the WebSocket); every other call is in webapi.go.
	opts := []slack.Option{slack.OptionHTTPClient(&hc), slack.OptionAPIURL(apiURL)}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	a := &Adapter{bot: o.Bot, api: slack.New(o.BotToken, opts...), apiURL: apiURL, token: o.BotToken, http: &hc, secret: []byte(o.SigningSecret), now: o.Now, log: logger,
		work: work.NewBackground(64).Logger(logger), seen: ackbudget.Once(o.Seen), botReplays: o.BotChecksReplays, values: o.Values,
		notes: work.NewLane(8, 256).Logger(logger), replies: work.NewLane(16, 1024).Logger(logger),
		metrics: o.Metrics, progressEvery: progressEvery(o.ProgressEvery), picker: o.Picker}
	a.chain = &deliver.Chain{Platform: "slack", Display: "Slack", Metrics: o.Metrics, Log: logger,
		Undelivered: func(ctx context.Context, who commands.Caller, channel string, r reply.Reply, err error) {
			a.bot.Undelivered(ctx, who, channel, r, err)
		}}
	return a
}

func progressEvery(d time.Duration) time.Duration {
	if d == 0 {
		return time.Second
	}
	return d
}

// CheckAuth calls auth.test: a start-up check that the bot token is
// valid, with an error that says what to fix.
func (a *Adapter) CheckAuth(ctx context.Context) error {
	wait := 500 * time.Millisecond
	for try := 1; ; try++ {
		tryCtx, cancel := context.WithTimeout(ctx, postTimeout)
		res, err := a.authTest(tryCtx)
		cancel()
		if err == nil {
			a.log.Info("slack: authenticated", "team", res.Team, "bot_user", res.UserID)
			return nil
		}
		var refused *apiError
		if errors.As(err, &refused) { // Slack answered, and said no
			return fmt.Errorf("slack: SLACK_BOT_TOKEN was refused by auth.test (%v): copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions, and check SLACK_API_URL", err)
		}
		// Slack could not be asked (a network blip, a proxy starting up):
		// that says nothing of the token, so try again for a few seconds.
		if try == authTries || ctx.Err() != nil {
			return fmt.Errorf("slack: auth.test could not be reached after %d tries (%v): check SLACK_API_URL and the network", try, err)
		}
		a.log.Warn("slack: auth.test could not be reached; trying again", "error", err, "try", try)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait *= 2
	}
}

// authTries is how often start-up asks auth.test when Slack cannot be
// reached (about 8 s of waiting in all).
const authTries = 5

// Routes adds the Slack endpoints to mux.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/commands", ackbudget.Handler(a.recovering(a.serveCommand)))
	mux.HandleFunc("POST /slack/interactions", ackbudget.Handler(a.recovering(a.serveInteraction)))
	mux.HandleFunc("POST /slack/options", ackbudget.Handler(a.recovering(a.serveOptions)))
}

// recovering answers a handler's panic with a short ephemeral message
// that carries a reference (the log has the stack); the process lives.
func (a *Adapter) recovering(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := work.Recovered(recover()); p != nil {
				writeAck(w, message(a.bot.InternalError(r.Context(), "slack: recovered from a panic", p, "path", r.URL.Path, "stack", p.Stack)))
			}
		}()
		h(w, r)
	}
}

// Wait blocks until work started after an ack has finished.
func (a *Adapter) Wait() {
	a.work.Wait()
	a.replies.Wait()
	a.notes.Wait()
}

// Drain waits for work started after an ack until ctx is done, then tells
// each user whose action is still running that its outcome is unknown.
// It returns how many were told.
func (a *Adapter) Drain(ctx context.Context) int {
	n := a.work.Drain(ctx)
	a.replies.WaitContext(ctx)
	a.notes.WaitContext(ctx)
	return n
}

// UpdateMessage replaces the message behind a response_url: the bot's
// Updater for Slack (an expired confirmation).
func (a *Adapter) UpdateMessage(ctx context.Context, responseURL string, r reply.Reply) {
	if responseURL == "" { // a confirmation a button asked for (a Retry): its message cannot be named
		return
	}
	if strings.HasPrefix(responseURL, postRef) { // a message of the bot's own
		if err := a.updatePosted(ctx, responseURL, r); err != nil {
			a.log.Warn("updating a message of the bot's own failed", "error", err, "title", r.Title)
		}
		return
	}
	err := a.respond(ctx, responseURL, replaceWith(r))
	a.delivered(routeResponseURL, err, false)
	if err != nil {
		a.log.Warn("updating a confirmation's message failed", "error", err, "title", r.Title)
	}
}
