package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// fixture is a Slack adapter over real vendor clients, with a local stand-in
// for Slack's Web API (which also receives response_url posts).
type fixture struct {
	bot       *bot.Bot
	adapter   *slackbot.Adapter
	server    *httptest.Server // our handlers
	slackAPI  *vendortest.Server
	secmaster *vendortest.Server
	coc       *vendortest.Server
	clock     *bottest.Clock
	seq       atomic.Int64 // makes each request's body unique, as Slack's are
}

func cocCreated(w http.ResponseWriter, r *http.Request) {
	vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM202611220042"}})
}

func newFixture(t testing.TB) *fixture { return newFixtureTTL(t, 5*time.Minute) }

func newFixtureTTL(t testing.TB, ttl time.Duration, options ...func(*fixture, *bot.Options)) *fixture {
	return newFixtureWith(t, fixtureOptions{ttl: ttl, options: options})
}

// fixtureOptions vary a fixture: the log's destination, the bot's limits
// and options, a wrapper around the dispatcher.
type fixtureOptions struct {
	ttl     time.Duration
	logs    io.Writer
	limits  pending.Limits
	wrap    func(*bot.Bot) slackbot.Dispatcher
	options []func(*fixture, *bot.Options)
	// batch is SecMaster's batch size (default 100), progressEvery the
	// adapter's progress interval, metrics the registry to count in.
	batch         int
	progressEvery time.Duration
	metrics       *metrics.Metrics
	// seen is the replay cache (the adapter's in-memory one when nil).
	seen pending.OnceSet
}

func newFixtureWith(t testing.TB, o fixtureOptions) *fixture {
	t.Helper()
	ttl := o.ttl
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	logs := o.logs
	if logs == nil {
		logs = io.Discard
	}
	batch := o.batch
	if batch == 0 {
		batch = 100
	}
	f := &fixture{clock: bottest.NewClock(time.Now())}
	f.secmaster = vendortest.New(t, vendortest.SecMasterEcho)
	f.coc = vendortest.New(t, cocCreated)
	f.slackAPI = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	seen := o.seen
	if seen == nil {
		seen = pending.NewMemoryShared(f.clock.Now)
	}
	// The bot checks the replay keys of commands and clicks in the
	// adapter's replay cache, as cmd/incidentbot wires them.
	opt := bot.Options{ConfirmTTL: ttl, Now: f.clock.Now, Logger: logger, Limits: o.limits, Metrics: o.metrics, Seen: seen}
	for _, set := range o.options {
		set(f, &opt)
	}
	deps := bottest.HuaweiDepsBatch(t, f.secmaster.URL, f.coc.URL, batch)
	if opt.Lookup != nil { // show and list read through the bot's reader
		deps.Reader = opt.Lookup
	}
	b := bot.New(commands.New(deps), opt)
	f.bot = b
	t.Cleanup(b.Close)
	var d slackbot.Dispatcher = b
	if o.wrap != nil {
		d = o.wrap(b)
	}
	f.adapter = slackbot.New(slackbot.Options{Bot: d, BotToken: "xoxb-test", SigningSecret: secret, APIURL: f.slackAPI.URL + "/api/", Now: f.clock.Now, Logger: logger,
		ProgressEvery: o.progressEvery, Metrics: o.metrics, Seen: seen, BotChecksReplays: true})
	b.SetUpdater("slack", f.adapter.UpdateMessage)
	b.SetAnnouncer("slack", f.adapter.Announce)
	mux := http.NewServeMux()
	f.adapter.Routes(mux)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

// post sends a form body to one of our endpoints, signed as Slack signs.
func (f *fixture) post(t testing.TB, path string, form url.Values, sign func(h http.Header, body []byte)) (int, string) {
	t.Helper()
	if !form.Has("seq") && !form.Has("replay") { // Slack's own bodies differ (trigger IDs, timestamps)
		form.Set("seq", strconv.FormatInt(f.seq.Add(1), 10))
	}
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sign == nil {
		sign = f.signer(f.clock.Now())
	}
	sign(req.Header, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (f *fixture) signer(at time.Time) func(http.Header, []byte) {
	return func(h http.Header, body []byte) {
		ts := strconv.FormatInt(at.Unix(), 10)
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", slackbot.Sign([]byte(secret), ts, body))
	}
}

func (f *fixture) slash(t testing.TB, user, text string) (int, string) {
	return f.post(t, "/slack/commands", url.Values{
		"command": {"/incident"}, "text": {text}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/" + user}, "trigger_id": {"trigger-1"},
	}, nil)
}

func (f *fixture) interact(t testing.TB, payload map[string]any) (int, string) {
	raw, _ := json.Marshal(payload)
	return f.post(t, "/slack/interactions", url.Values{"payload": {string(raw)}}, nil)
}

func (f *fixture) click(t testing.TB, user, actionID string) (int, string) {
	return f.interact(t, map[string]any{
		"type": "block_actions", "trigger_id": "trigger-2",
		"user": map[string]string{"id": user, "name": strings.ToLower(user)}, "channel": map[string]string{"id": "C-WAR"},
		"response_url": f.slackAPI.URL + "/response/click-" + user,
		"actions":      []map[string]string{{"action_id": actionID, "block_id": "buttons", "type": "button"}},
	})
}

// posted returns the JSON bodies Slack's side received on a path prefix.
func (f *fixture) posted(t testing.TB, prefix string) []map[string]any {
	var out []map[string]any
	for _, r := range f.slackAPI.Requests() {
		if strings.HasPrefix(r.Path, prefix) {
			var m map[string]any
			if err := json.Unmarshal(r.Body, &m); err != nil {
				m = map[string]any{"form": string(r.Body)}
			}
			out = append(out, m)
		}
	}
	return out
}

func (f *fixture) deletes() int { return f.secmaster.Count(http.MethodDelete) }

// confirmation runs "/incident delete a b" as user and returns the confirm
// button's action ID.
func (f *fixture) confirmation(t testing.TB, user string) (confirmID, cancelID string) {
	t.Helper()
	status, body := f.slash(t, user, "delete inc-1 inc-2")
	if status != 200 {
		t.Fatalf("slash command: %d %s", status, body)
	}
	var msg struct {
		ResponseType string `json:"response_type"`
		Blocks       []struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string          `json:"action_id"`
				Style    string          `json:"style"`
				Text     json.RawMessage `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatalf("ack is not a JSON message: %s", body)
	}
	if msg.ResponseType != "ephemeral" {
		t.Errorf("confirmation response_type = %q, want ephemeral", msg.ResponseType)
	}
	for _, b := range msg.Blocks {
		for _, e := range b.Elements {
			switch {
			case strings.HasPrefix(e.ActionID, "confirm:") && e.Style == "danger" && strings.Contains(string(e.Text), `"Confirm"`):
				confirmID = e.ActionID
			case strings.HasPrefix(e.ActionID, "cancel:") && strings.Contains(string(e.Text), `"Cancel"`):
				cancelID = e.ActionID
			}
		}
	}
	if confirmID == "" || cancelID == "" || !strings.Contains(body, "inc-1") || !strings.Contains(body, "inc-2") {
		t.Fatalf("confirmation lacks a danger Confirm, a Cancel, or the IDs:\n%s", body)
	}
	return confirmID, cancelID
}

func TestSlashDeleteThenConfirmRunsOnce(t *testing.T) {
	f := newFixture(t)
	confirmID, _ := f.confirmation(t, "U-ALICE")
	if f.deletes() != 0 {
		t.Fatal("the vendor was called before confirmation")
	}
	if status, _ := f.click(t, "U-ALICE", confirmID); status != 200 {
		t.Fatalf("click: %d", status)
	}
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("vendor DELETEs = %d, want 1", f.deletes())
	}
	updates := f.posted(t, "/response/click-U-ALICE")
	if len(updates) < 2 {
		t.Fatalf("response_url got %d posts, want running then result: %v", len(updates), updates)
	}
	running, _ := json.Marshal(updates[0])
	result, _ := json.Marshal(updates[1])
	if updates[0]["replace_original"] != true || !strings.Contains(string(running), "Running: delete incidents (2)") {
		t.Errorf("first update = %s", running)
	}
	if updates[1]["replace_original"] != true || !strings.Contains(string(result), "SecMaster: deleted 2 of 2") || strings.Contains(string(result), "confirm:") {
		t.Errorf("result update = %s", result)
	}

	// A second click changes nothing.
	f.click(t, "U-ALICE", confirmID)
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("a second click made another DELETE")
	}
	last := f.posted(t, "/response/click-U-ALICE")
	if note := last[len(last)-1]; note["replace_original"] != false || note["response_type"] != "ephemeral" {
		t.Errorf("second click should only tell the clicker: %v", note)
	}
}

func TestOtherUsersClickIsRefused(t *testing.T) {
	f := newFixture(t)
	confirmID, cancelID := f.confirmation(t, "U-ALICE")
	f.click(t, "U-MALLORY", confirmID)
	f.click(t, "U-MALLORY", cancelID)
	f.adapter.Wait()
	if f.deletes() != 0 {
		t.Fatal("another user's click reached the vendor")
	}
	for _, note := range f.posted(t, "/response/click-U-MALLORY") {
		raw, _ := json.Marshal(note)
		if note["replace_original"] != false || note["response_type"] != "ephemeral" || !strings.Contains(string(raw), "Only u-alice can") {
			t.Errorf("refusal = %s", raw)
		}
	}
	// Alice can still confirm.
	f.click(t, "U-ALICE", confirmID)
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("deletes = %d after alice confirmed", f.deletes())
	}
}

func TestClickAfterExpiryMakesNoCall(t *testing.T) {
	f := newFixture(t)
	confirmID, _ := f.confirmation(t, "U-ALICE")
	f.clock.Add(6 * time.Minute)
	f.click(t, "U-ALICE", confirmID) // signed "now", so only the token is stale
	f.adapter.Wait()
	if f.deletes() != 0 {
		t.Fatal("an expired confirmation reached the vendor")
	}
	updates := f.posted(t, "/response/click-U-ALICE")
	raw, _ := json.Marshal(updates)
	if len(updates) != 1 || !strings.Contains(string(raw), "Expired: delete incidents (2)") {
		t.Fatalf("expiry answer = %s", raw)
	}
}

func TestCancelUpdatesTheMessage(t *testing.T) {
	f := newFixture(t)
	_, cancelID := f.confirmation(t, "U-ALICE")
	f.click(t, "U-ALICE", cancelID)
	f.adapter.Wait()
	updates := f.posted(t, "/response/click-U-ALICE")
	raw, _ := json.Marshal(updates)
	if f.deletes() != 0 || len(updates) != 1 || updates[0]["replace_original"] != true || !strings.Contains(string(raw), "Nothing was changed") {
		t.Fatalf("cancel: deletes=%d updates=%s", f.deletes(), raw)
	}
}

func TestBadSignaturesAreRefusedBeforeParsing(t *testing.T) {
	f := newFixture(t)
	confirmID, _ := f.confirmation(t, "U-ALICE")
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]string{"id": "U-ALICE"},
		"actions": []map[string]string{{"action_id": confirmID}}, "response_url": f.slackAPI.URL + "/response/x"})
	form := url.Values{"payload": {string(payload)}}
	for name, sign := range map[string]func(http.Header, []byte){
		"missing": func(http.Header, []byte) {},
		"wrong secret": func(h http.Header, b []byte) {
			ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
			h.Set("X-Slack-Request-Timestamp", ts)
			h.Set("X-Slack-Signature", slackbot.Sign([]byte("other"), ts, b))
		},
		"stale":         f.signer(f.clock.Now().Add(-6 * time.Minute)),
		"future":        f.signer(f.clock.Now().Add(6 * time.Minute)),
		"body tampered": func(h http.Header, b []byte) { f.signer(f.clock.Now())(h, append([]byte("x"), b...)) },
	} {
		if status, _ := f.post(t, "/slack/interactions", form, sign); status != http.StatusUnauthorized {
			t.Errorf("%s signature: status %d, want 401", name, status)
		}
		if status, _ := f.post(t, "/slack/commands", url.Values{"text": {"delete inc-9"}, "user_id": {"U-ALICE"}}, sign); status != http.StatusUnauthorized {
			t.Errorf("%s signature on a command: status %d, want 401", name, status)
		}
	}
	f.adapter.Wait()
	if f.deletes() != 0 || len(f.posted(t, "/response/x")) != 0 {
		t.Fatal("a badly signed click had an effect")
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	f := newFixture(t)
	status, _ := f.post(t, "/slack/commands", url.Values{"text": {strings.Repeat("a", 600<<10)}}, nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", status)
	}
}

func TestHelpAndErrorsAreEphemeralBlockKit(t *testing.T) {
	f := newFixture(t)
	for text, want := range map[string]string{
		"help":          "incidentbot commands",
		"":              "incidentbot commands",
		"delete inc/..": `Nothing was run: \"inc/..\" is not a valid ID`,
		"unassign cx-1": "Coralogix is not configured",
	} {
		status, body := f.slash(t, "U-ALICE", text)
		if status != 200 || !strings.Contains(body, `"response_type":"ephemeral"`) || !strings.Contains(body, `"blocks":[`) || !strings.Contains(body, want) {
			t.Errorf("%q: %d %s", text, status, body)
		}
	}
	if f.deletes() != 0 {
		t.Fatal("vendor called")
	}
}

// TestAckDoesNotWaitForASlowVendor: the vendor takes 10 seconds; the slash
// command's answer must come while the vendor is still busy, and the result
// must reach response_url once it answers.
func TestAckDoesNotWaitForASlowVendor(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		cocCreated(w, r)
	})
	status, body := f.slash(t, "U-ALICE", `create --title "DB down" --description "primary gone" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`)
	select {
	case <-release:
		t.Fatal("unreachable")
	default:
	}
	if status != 200 || !strings.Contains(body, "Working on it") {
		t.Fatalf("ack = %d %s", status, body)
	}
	if got := len(f.posted(t, "/response/")); got != 0 {
		t.Fatalf("a result was posted before the vendor answered (%d posts)", got)
	}
	close(release)
	f.adapter.Wait()
	posts := f.posted(t, "/response/U-ALICE")
	raw, _ := json.Marshal(posts)
	if len(posts) != 2 || posts[0]["delete_original"] != true || posts[1]["response_type"] != "in_channel" || !strings.Contains(string(raw), "Incident IM202611220042: DB down") {
		t.Fatalf("after the vendor answered, response_url got %s", raw)
	}
}

func TestResponseURL429IsRetriedAfterRetryAfter(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	tries := 0
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/response/") {
			tries++
			if tries == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true})
	})
	_, cancelID := f.confirmation(t, "U-ALICE")
	f.click(t, "U-ALICE", cancelID)
	f.adapter.Wait()
	posts := f.posted(t, "/response/click-U-ALICE")
	if len(posts) != 2 || posts[0]["form"] != nil || posts[1]["replace_original"] != true {
		t.Fatalf("posts after a 429 = %v", posts)
	}
}

// When nobody confirms in time, the confirmation replaces itself with an
// expiry notice and offers no buttons.
func TestUnconfirmedMessageShowsItExpired(t *testing.T) {
	f := newFixtureTTL(t, time.Minute)
	f.confirmation(t, "U-ALICE")
	f.clock.Add(time.Minute)
	f.bot.Sweep(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for len(f.posted(t, "/response/U-ALICE")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	posts := f.posted(t, "/response/U-ALICE")
	raw, _ := json.Marshal(posts)
	if len(posts) != 1 || posts[0]["replace_original"] != true || !strings.Contains(string(raw), "Expired: delete incidents (2)") || strings.Contains(string(raw), "confirm:") {
		t.Fatalf("expiry update = %s", raw)
	}
	if f.deletes() != 0 {
		t.Fatal("vendor called")
	}
}

// Slack escapes &, < and > in slash-command text; the vendor must get what
// the responder typed.
func TestSlashTextIsUnescaped(t *testing.T) {
	f := newFixture(t)
	f.slash(t, "U-ALICE", `create --title "DB &amp; cache &lt;eu&gt;" --description d --level p1 --type security --app a --interrupted no --assignee u`)
	f.adapter.Wait()
	var sent map[string]any
	f.coc.Requests()[0].JSON(t, &sent)
	if sent["incident_title"] != "DB & cache <eu>" {
		t.Fatalf("COC got title %q", sent["incident_title"])
	}
}
