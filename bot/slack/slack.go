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
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/work"
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
}

// Adapter serves one Slack app.
type Adapter struct {
	bot    Dispatcher
	api    *slack.Client
	http   *http.Client
	secret []byte
	now    func() time.Time
	log    *slog.Logger
	work   *work.Background // work started after an ack
	values pending.Values
	seen   pending.OnceSet
	macs   sync.Pool // of HMAC-SHA256 keyed with secret

	metrics       *metrics.Metrics
	progressEvery time.Duration
	connected     atomic.Bool // Socket Mode
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
	logger := bot.Redacting(o.Logger).With("platform", "slack")
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
	return &Adapter{bot: o.Bot, api: slack.New(o.BotToken, opts...), http: &hc, secret: []byte(o.SigningSecret), now: o.Now, log: logger,
		work: work.NewBackground(64).Logger(logger), seen: o.Seen, values: o.Values,
		metrics: o.Metrics, progressEvery: progressEvery(o.ProgressEvery)}
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
		res, err := a.api.AuthTestContext(tryCtx)
		cancel()
		if err == nil {
			a.log.Info("slack: authenticated", "team", res.Team, "bot_user", res.UserID)
			return nil
		}
		var refused slack.SlackErrorResponse
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
	mux.HandleFunc("POST /slack/commands", a.recovering(a.serveCommand))
	mux.HandleFunc("POST /slack/interactions", a.recovering(a.serveInteraction))
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
func (a *Adapter) Wait() { a.work.Wait() }

// Drain waits for work started after an ack until ctx is done, then tells
// each user whose action is still running that its outcome is unknown.
// It returns how many were told.
func (a *Adapter) Drain(ctx context.Context) int { return a.work.Drain(ctx) }

// UpdateMessage replaces the message behind a response_url: the bot's
// Updater for Slack (an expired confirmation).
func (a *Adapter) UpdateMessage(ctx context.Context, responseURL string, r reply.Reply) {
	err := a.respond(ctx, responseURL, replaceWith(r))
	a.delivered(routeResponseURL, err, false)
	if err != nil {
		a.log.Warn("updating a confirmation's message failed", "error", err, "title", r.Title)
	}
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
	ack := a.command(r.Context(), cmd)
	writeAck(w, ack)
	afterAck(w, ack)
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
	body, err := readBody(w, r)
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
	// Slack re-sends a request it thinks timed out. The first one was
	// acknowledged and its work is under way: doing it again would run a
	// command twice.
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Info("slack retry acknowledged without doing the work again", "retry", reply.Clip(n, 8), "reason", reply.Clip(r.Header.Get("X-Slack-Retry-Reason"), 64), "path", r.URL.Path)
		w.WriteHeader(http.StatusOK)
		return nil, false
	}
	// An exact replay of a signed request within its freshness window: the
	// same signature twice. Slack never sends one (its retries carry a new
	// timestamp); answer 200 with nothing done, so a duplicate delivery
	// shows no error to anyone and an attacker learns nothing.
	first, err := a.seen.SeenOnce(r.Context(), "slack-sig:"+r.Header.Get("X-Slack-Signature"), 2*maxSkew)
	if err != nil { // the shared cache is down: serve rather than stop answering
		a.log.Error("replay cache unavailable; serving the request", "error", err)
	} else if !first {
		a.log.Warn("replayed request dropped", "path", r.URL.Path, "remote", r.RemoteAddr)
		w.WriteHeader(http.StatusOK)
		return nil, false
	}
	form, err := parseForm(unsafe.String(unsafe.SliceData(body), len(body))) // body is not written again
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// readBody reads a body of at most maxBody bytes, in one allocation when
// its length is announced.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(body)
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
	if !a.signatureMatches(ts, body, sig) {
		return "signature mismatch"
	}
	return ""
}

// signatureMatches is hmac.Equal([]byte(Sign(a.secret, ts, body)),
// []byte(sig)), with a pooled HMAC and the expected signature on the stack.
func (a *Adapter) signatureMatches(ts string, body []byte, sig string) bool {
	mac, _ := a.macs.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(sha256.New, a.secret)
	}
	defer func() { mac.Reset(); a.macs.Put(mac) }()
	var head [64]byte
	_, _ = mac.Write(append(append(append(head[:0], "v0:"...), ts...), ':'))
	_, _ = mac.Write(body)
	var sum [sha256.Size]byte
	var want [3 + 2*sha256.Size]byte
	copy(want[:], "v0=")
	hex.Encode(want[3:], mac.Sum(sum[:0]))
	return hmac.Equal(want[:], []byte(sig))
}

// Sign computes Slack's v0 signature of a request body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func writeAck(w http.ResponseWriter, payload any) {
	if m, ok := payload.(ackMessage); ok {
		writeAckMessage(w, m)
		return
	}
	if m, ok := payload.(ackThen); ok {
		writeAckThen(w, m)
		return
	}
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
		a.runWork(target{responseURL: cmd.ResponseURL, channel: cmd.ChannelID, who: who}, o, false, nil)
	}
	return a.enriched(ackMessage{o.Reply}, cmd.ResponseURL, o)
}

// unescape undoes the HTML escaping Slack applies to slash-command text
// (&amp; &lt; &gt;), so "DB & cache" reaches the vendor as typed.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return unescaper.Replace(s)
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
	t := target{responseURL: cb.ResponseURL, channel: cb.Channel.ID, who: who}
	switch {
	case o.Notice:
		a.work.Go(func(ctx context.Context) {
			note := message(o.Reply)
			note.ResponseType = slack.ResponseTypeEphemeral
			if err := a.respond(ctx, cb.ResponseURL, note); err != nil {
				a.log.Warn("posting a private note failed", "error", err, "title", o.Reply.Title)
			}
		})
	case p.Kind == reply.Form: // a card's step: the card moves with it
		c := card{ResponseURL: cb.ResponseURL, Blocks: mustJSON(cb.Message.Blocks)}
		via := target{channel: cb.Channel.ID, who: who}
		if o.Work != nil {
			a.runWorkWith(o, nil, func(ctx context.Context, r reply.Reply) { a.showStep(ctx, c, via, r) })
		} else {
			a.work.Go(func(ctx context.Context) { a.showStep(ctx, c, via, o.Reply) })
		}
	case o.Work != nil:
		a.runWork(t, o, true, func(ctx context.Context) {
			err := a.respond(ctx, cb.ResponseURL, replaceWith(o.Reply))
			a.delivered(routeResponseURL, err, false)
			if err != nil {
				a.log.Warn("showing Running failed; the result will take another route if it must", "error", err)
			}
		})
	default:
		a.work.Go(func(ctx context.Context) { a.deliver(ctx, t, o.Reply, true) })
	}
	return nil
}

// target is where a result goes: the response_url, and for the fallbacks
// the channel and the person.
type target struct {
	responseURL string
	channel     string
	who         commands.Caller
	// progress, when set, is the running action's progress message in the
	// channel: the result replaces it.
	progress *progress
}

// runWork runs o.Work after the ack (first, if set, before it) and
// delivers the result. If a graceful stop's deadline comes first, the
// user is told that the outcome is unknown instead.
func (a *Adapter) runWork(t target, o bot.Outcome, inPlace bool, first func(ctx context.Context)) {
	t.progress = a.newProgress(t.channel, t.responseURL) // the work's progress, as it goes
	work := o.Work
	o.Work = func(ctx context.Context, _ bot.Progress) reply.Reply { return work(ctx, t.progress.show) }
	a.runWorkWith(o, first, func(ctx context.Context, r reply.Reply) { a.deliver(ctx, t, r, inPlace) })
}

// runWorkWith is runWork with its own way of showing the result (a card).
func (a *Adapter) runWorkWith(o bot.Outcome, first func(ctx context.Context), show func(context.Context, reply.Reply)) {
	done := func() bool { return true }
	if o.Unfinished != nil {
		done = a.work.OnStop(func(ctx context.Context) { show(ctx, o.Unfinished()) })
	}
	a.work.Go(func(ctx context.Context) {
		defer done()
		if first != nil {
			first(ctx)
		}
		r := o.Work(ctx, nil)
		if done() { // else a stop's deadline came first and its notice was shown
			show(ctx, r)
		}
	})
}

// deliver shows a finished result. The message that asked for it is
// replaced when it was a confirmation (inPlace); a public result is also
// posted to the channel, where the war room sees it.
//
// Every result reaches a person. When response_url fails (after the
// bounded 429 retries), the result goes to the requester privately
// (chat.postEphemeral), then to the channel (chat.postMessage). When every
// route fails, the audit log records it as undelivered, with the result.
func (a *Adapter) deliver(ctx context.Context, t target, r reply.Reply, inPlace bool) {
	var errs []error
	channelTried, publicShown, inPlaceShown := false, false, false
	if t.responseURL != "" {
		switch {
		case r.NewMessage && r.Public: // the message it follows stays as it is
		case inPlace || !r.Public:
			err := a.respond(ctx, t.responseURL, replaceWith(r))
			a.delivered(routeResponseURL, err, false)
			inPlaceShown, errs = err == nil, append(errs, err)
		default:
			if err := a.respond(ctx, t.responseURL, &slack.WebhookMessage{DeleteOriginal: true}); err != nil {
				errs = append(errs, err) // "Working on it" stays; the result follows
			}
		}
		switch {
		case !r.Public:
		case t.progress.finish(ctx, r): // the progress message became the result
			publicShown = true
		default:
			err := a.respond(ctx, t.responseURL, message(r))
			a.delivered(routeResponseURL, err, false)
			if err != nil {
				errs = append(errs, err)
				channelTried, err = true, a.postMessage(ctx, t, r)
				a.delivered(routePost, err, true)
			}
			publicShown, errs = err == nil, append(errs, err)
		}
	} else if r.Public { // a form's result: no response_url, the channel first
		err := a.postMessage(ctx, t, r)
		a.delivered(routePost, err, false)
		channelTried, publicShown, errs = true, err == nil, append(errs, err)
	}
	if err := errors.Join(errs...); err != nil && t.responseURL != "" {
		a.log.Warn("posting to response_url failed", "error", err, "title", r.Title)
	}
	if inPlaceShown || (publicShown && (!inPlace || r.NewMessage)) {
		return
	}
	// The message the requester looks at could not show the result: tell
	// them privately, or else in the channel.
	note := r
	note.Buttons = nil
	if t.responseURL != "" {
		note.Lines = append([]string{"The message above could not be updated, so here is the result."}, r.Lines...)
	}
	err := a.postEphemeral(ctx, t, note)
	a.delivered(routeEphemeral, err, true)
	if err == nil {
		return
	}
	errs = append(errs, err)
	if !channelTried && !publicShown {
		note.Lines = append([]string{"For " + mention(t.who) + ": this could not be shown to you privately, so here it is."}, note.Lines...)
		err = a.postMessage(ctx, t, note)
		a.delivered(routePost, err, true)
		if err == nil {
			return
		}
		errs = append(errs, err)
	}
	if publicShown {
		return
	}
	a.bot.Undelivered(ctx, t.who, t.channel, r, errors.Join(errs...))
}

// mention names the requester in a channel post. Reply text is escaped
// (no pings from user text), so this is the name, not an <@ID> mention.
func mention(c commands.Caller) string {
	if c.Name != "" {
		return c.Name
	}
	return c.UserID
}

// respond posts to a response_url.
func (a *Adapter) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	if responseURL == "" {
		return errors.New("no response_url")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, msg); err != nil {
		return fmt.Errorf("posting to response_url: %w", err)
	}
	return nil
}

// postEphemeral shows r to the requester only, in the channel.
func (a *Adapter) postEphemeral(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" || t.who.UserID == "" {
		return errors.New("chat.postEphemeral: no channel or user")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if _, err := a.api.PostEphemeralContext(ctx, t.channel, t.who.UserID, slack.MsgOptionText(fallback(r), false), slack.MsgOptionBlocks(Blocks(r)...)); err != nil {
		return fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return nil
}

// postMessage posts r in the channel.
func (a *Adapter) postMessage(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" {
		return errors.New("chat.postMessage: no channel")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if _, _, err := a.api.PostMessageContext(ctx, t.channel, slack.MsgOptionText(fallback(r), false), slack.MsgOptionBlocks(Blocks(r)...)); err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	return nil
}
