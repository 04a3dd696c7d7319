// Package slack is the Slack adapter: the /incident slash command, its
// modals and its confirmation buttons, over HTTP (signed webhooks) or Socket
// Mode. It verifies and acknowledges within Slack's 3 seconds, hands the
// request to the bot, and posts slow results to response_url or the Web API.
package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
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
}

// Adapter serves one Slack app.
type Adapter struct {
	bot    Dispatcher
	api    *slack.Client
	http   *http.Client
	secret []byte
	now    func() time.Time
	log    *slog.Logger
	work   *bot.Background // work started after an ack
	values pending.Values

	metrics       *metrics.Metrics
	progressEvery time.Duration
	connected     atomic.Bool // Socket Mode
}

// New returns an Adapter.
func New(o Options) *Adapter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Values == nil {
		o.Values = pending.NewMemoryRuns(nil)
	}
	base := o.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	hc.Transport = &retryOn429{next: base.Transport, policy: bot.RateLimits}
	opts := []slack.Option{slack.OptionHTTPClient(&hc)}
	if o.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(strings.TrimRight(o.APIURL, "/")+"/"))
	}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = time.Second
	}
	return &Adapter{bot: o.Bot, api: slack.New(o.BotToken, opts...), http: &hc, secret: []byte(o.SigningSecret), now: o.Now, log: o.Logger.With("platform", "slack"),
		work: bot.NewBackground(64), values: o.Values, metrics: o.Metrics, progressEvery: o.ProgressEvery}
}

// Routes adds the Slack endpoints to mux.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/commands", a.serveCommand)
	mux.HandleFunc("POST /slack/interactions", a.serveInteraction)
}

// Wait blocks until work started after an ack has finished.
func (a *Adapter) Wait() { a.work.Wait() }

// UpdateMessage replaces the message behind a response_url: the bot's
// Updater for Slack (an expired confirmation).
func (a *Adapter) UpdateMessage(_ context.Context, responseURL string, r reply.Reply) {
	a.delivered(routeResponseURL, a.respond(responseURL, replaceWith(r)), false)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	form, ok := a.verified(w, r)
	if !ok {
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"), Text: form.Get("text"),
		ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"), APIAppID: form.Get("api_app_id"),
	}
	writeAck(w, a.command(r.Context(), cmd))
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	form, ok := a.verified(w, r)
	if !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		a.log.Warn("interaction payload is not JSON", "error", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeAck(w, a.interaction(r.Context(), cb))
}

// verified reads a size-limited body and checks Slack's signature on it
// before anything is parsed. On failure it answers and returns false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		a.log.Warn("request body rejected", "error", err, "remote", r.RemoteAddr)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if problem := a.checkSignature(r.Header, body); problem != "" {
		a.log.Warn("request refused: bad signature", "problem", problem, "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// checkSignature returns what is wrong with the request's signature, or "".
func (a *Adapter) checkSignature(h http.Header, body []byte) string {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return "missing timestamp or signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if skew := a.now().Sub(time.Unix(secs, 0)); skew > maxSkew || skew < -maxSkew {
		return "stale timestamp"
	}
	if !hmac.Equal([]byte(Sign(a.secret, ts, body)), []byte(sig)) {
		return "signature mismatch"
	}
	return ""
}

// Sign computes Slack's v0 signature of a request body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func writeAck(w http.ResponseWriter, payload any) {
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(payload)
}

func caller(id, name string) commands.Caller {
	if name == "" {
		name = id
	}
	return commands.Caller{Platform: "slack", UserID: id, Name: name}
}

// command handles a slash command and returns the ack payload (nil for an
// empty 200). Slow work continues after it returns.
func (a *Adapter) command(ctx context.Context, cmd slack.SlashCommand) any {
	who := caller(cmd.UserID, cmd.UserName)
	text := strings.TrimSpace(unescape(cmd.Text))
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: cmd.ChannelID, Text: text, Message: cmd.ResponseURL, Forms: true})
	if o.Form != nil {
		return a.openForm(ctx, cmd.TriggerID, who, *o.Form, cmd.ChannelID)
	}
	if o.Work != nil {
		a.work.Go(func(ctx context.Context) {
			p := a.newProgress(cmd.ChannelID, cmd.ResponseURL)
			a.deliver(ctx, cmd.ResponseURL, p, o.Work(bot.WithProgress(ctx, p.show)), false)
		})
	}
	return message(o.Reply)
}

// unescape undoes the HTML escaping Slack applies to slash-command text
// (&amp; &lt; &gt;), so "DB & cache" reaches the vendor as typed.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// interaction handles a button press or a modal submission.
func (a *Adapter) interaction(ctx context.Context, cb slack.InteractionCallback) any {
	who := caller(cb.User.ID, cb.User.Name)
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil
		}
		return a.press(ctx, cb, who, cb.ActionCallback.BlockActions[0].ActionID)
	case slack.InteractionTypeViewSubmission:
		return a.submit(ctx, cb, who)
	}
	return nil
}

// press hands a button to the bot. A form opens before the ack; anything
// else is acknowledged at once and the message is updated through
// response_url: a private note, or running and then the result.
func (a *Adapter) press(ctx context.Context, cb slack.InteractionCallback, who commands.Caller, actionID string) any {
	p, err := reply.ParsePress(actionID)
	if err != nil {
		a.log.Warn("click on a button the bot never made", "action_id", reply.Clip(actionID, 64))
		return nil
	}
	o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: cb.Channel.ID, Press: p})
	if o.Form != nil {
		f := *o.Form
		if p.Kind == reply.Form {
			f.Values = withCard(f.Values, a.keepCard(ctx, cb))
		}
		return a.openForm(ctx, cb.TriggerID, who, f, cb.Channel.ID)
	}
	a.work.Go(func(ctx context.Context) {
		if o.Notice {
			note := message(o.Reply)
			note.ResponseType = slack.ResponseTypeEphemeral
			a.respond(cb.ResponseURL, note)
			return
		}
		if p.Kind == reply.Form { // a card's step: the card moves with it
			r := o.Reply
			if o.Work != nil {
				r = o.Work(ctx)
			}
			a.showStep(card{ResponseURL: cb.ResponseURL, Blocks: mustJSON(cb.Message.Blocks)}, r)
			return
		}
		a.delivered(routeResponseURL, a.respond(cb.ResponseURL, replaceWith(o.Reply)), false)
		if o.Work != nil {
			p := a.newProgress(cb.Channel.ID, cb.ResponseURL)
			a.deliver(ctx, cb.ResponseURL, p, o.Work(bot.WithProgress(ctx, p.show)), true)
		}
	})
	return nil
}

// deliver shows a finished result. The message that asked for it is
// replaced when it was a confirmation (inPlace); a public result is also
// shown in the channel, where the war room sees it: in place of the
// progress message when one was posted, else as a new message.
func (a *Adapter) deliver(ctx context.Context, responseURL string, p *progress, r reply.Reply, inPlace bool) {
	if inPlace || !r.Public {
		a.delivered(routeResponseURL, a.respond(responseURL, replaceWith(r)), false)
	} else {
		a.delivered(routeResponseURL, a.respond(responseURL, &slack.WebhookMessage{DeleteOriginal: true}), false)
	}
	if r.Public && !p.finish(ctx, r) {
		a.delivered(routeResponseURL, a.respond(responseURL, message(r)), false)
	}
}

// respond posts to a response_url, logging failures: nobody else will.
func (a *Adapter) respond(responseURL string, msg *slack.WebhookMessage) error {
	if responseURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, msg)
	if err != nil {
		a.log.Error("posting to response_url failed", "error", err)
	}
	return err
}
