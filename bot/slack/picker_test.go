package slack_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/policy"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// pickFixture is the Slack adapter over the sandbox with the picker, and
// a stand-in for Slack's Web API.
type pickFixture struct {
	server   *httptest.Server
	slackAPI *vendortest.Server
	vendor   *bottest.Gate
	seq      atomic.Int64
}

func newPickFixture(t *testing.T, policyYAML string) *pickFixture {
	t.Helper()
	f := &pickFixture{vendor: bottest.NewGate(t)}
	f.slackAPI = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	deps, reader := bottest.AllDeps(t, f.vendor.URL, f.vendor.URL, f.vendor.URL)
	opt := bot.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if policyYAML != "" {
		path := filepath.Join(t.TempDir(), "policy.yaml")
		_ = os.WriteFile(path, []byte(policyYAML), 0o600)
		holder := policy.NewHolder([]string{"delete", "unlink", "unassign", "accept", "resolve", "verify", "help", "whoami"}, nil)
		if err := holder.Reload(path); err != nil {
			t.Fatal(err)
		}
		opt.Access = holder
	}
	b := bot.New(commands.New(deps), opt)
	t.Cleanup(b.Close)
	a := slackbot.New(slackbot.Options{Bot: b, BotToken: "xoxb-test", SigningSecret: secret, APIURL: f.slackAPI.URL + "/api/",
		Logger: opt.Logger, Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})})
	t.Cleanup(a.Wait)
	mux := http.NewServeMux()
	a.Routes(mux)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

func (f *pickFixture) post(t *testing.T, path string, form url.Values, at time.Time, signed bool) (int, string) {
	t.Helper()
	form.Set("seq", strconv.FormatInt(f.seq.Add(1), 10))
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signed {
		ts := strconv.FormatInt(at.Unix(), 10)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(secret), ts, []byte(body)))
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer within Slack's 3 s: %v", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (f *pickFixture) payload(t *testing.T, path string, p map[string]any) (int, string) {
	raw, _ := json.Marshal(p)
	return f.post(t, path, url.Values{"payload": {string(raw)}}, time.Now(), true)
}

// suggestion is a block_suggestion from a picker form of verb.
func suggestion(user, callback, block, typed string, state map[string]any) map[string]any {
	view := map[string]any{"id": "V1", "callback_id": callback, "private_metadata": `{"channel":"C-WAR"}`}
	if state != nil {
		view["state"] = map[string]any{"values": state}
	}
	return map[string]any{"type": "block_suggestion", "user": map[string]string{"id": user, "name": "u"},
		"block_id": block, "action_id": "value", "value": typed, "view": view}
}

type slackOption struct {
	Text  struct{ Text string }
	Value string
}

// options reads an options answer, failing on any beyond Slack's limits.
func options(t *testing.T, answer func() (int, string)) []string {
	t.Helper()
	status, body := answer()
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct {
		Options *[]slackOption `json:"options"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Options == nil {
		t.Fatalf("not an options answer: %s", body)
	}
	if len(*got.Options) > 100 {
		t.Errorf("%d options", len(*got.Options))
	}
	var values []string
	for _, o := range *got.Options {
		if n := utf8.RuneCountInString(o.Text.Text); n < 1 || n > 75 {
			t.Errorf("option text is %d characters: %q", n, o.Text.Text)
		}
		if n := len(o.Value); n < 1 || n > 150 {
			t.Errorf("option value is %d characters", n)
		}
		values = append(values, o.Value)
	}
	slices.Sort(values)
	return values
}

func TestOptionsAnswerMatchingIncidentsToSignedRequestsOnly(t *testing.T) {
	f := newPickFixture(t, "")
	got := options(t, func() (int, string) {
		return f.payload(t, "/slack/options", suggestion("U1", "pick:delete", "ids:delete.ids", "db", nil))
	})
	if strings.Join(got, " ") != "inc-1002 inc-1005" {
		t.Fatalf("options for db: %v", got)
	}
	state := map[string]any{"ids:unlink.incident": map[string]any{"value": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": "inc-1001"}}}}
	got = options(t, func() (int, string) {
		return f.payload(t, "/slack/options", suggestion("U1", "pick:unlink", "ids:unlink.alerts", "", state))
	})
	if strings.Join(got, " ") != "alert-2001 alert-2002 alert-2003" {
		t.Fatalf("alerts of the chosen incident: %v", got)
	}

	raw, _ := json.Marshal(suggestion("U1", "pick:delete", "ids:delete.ids", "db", nil))
	reads := f.vendor.Reads.Load()
	if status, _ := f.post(t, "/slack/options", url.Values{"payload": {string(raw)}}, time.Now(), false); status != http.StatusUnauthorized {
		t.Errorf("unsigned: status %d", status)
	}
	if status, _ := f.post(t, "/slack/options", url.Values{"payload": {string(raw)}}, time.Now().Add(-10*time.Minute), true); status != http.StatusUnauthorized {
		t.Errorf("stale: status %d", status)
	}
	if f.vendor.Reads.Load() != reads {
		t.Error("a refused request read a vendor")
	}
}

func TestOptionsAreEmptyForSomeoneNotAllowed(t *testing.T) {
	f := newPickFixture(t, "rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n")
	status, body := f.payload(t, "/slack/options", suggestion("U0MALLORY", "pick:delete", "ids:delete.ids", "db", nil))
	if status != http.StatusOK || strings.TrimSpace(body) != `{"options":[]}` {
		t.Fatalf("someone not allowed: %d %s", status, body)
	}
	if f.vendor.Reads.Load() != 0 {
		t.Fatal("the vendor was read for someone not allowed")
	}
	if got := options(t, func() (int, string) {
		return f.payload(t, "/slack/options", suggestion("U0ALICE", "pick:delete", "ids:delete.ids", "db", nil))
	}); len(got) != 2 {
		t.Fatalf("an allowed user: %v", got)
	}
}

// views are the modals opened through views.open.
func (f *pickFixture) views(t *testing.T) []map[string]any {
	var out []map[string]any
	for _, r := range f.slackAPI.Requests() {
		if strings.HasSuffix(r.Path, "/views.open") {
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				form, _ := url.ParseQuery(string(r.Body))
				_ = json.Unmarshal([]byte(form.Get("view")), &body)
				out = append(out, body)
				continue
			}
			v, _ := body["view"].(map[string]any)
			out = append(out, v)
		}
	}
	return out
}

func TestDeleteAloneOpensThePickerAndItsSubmissionAsksToConfirm(t *testing.T) {
	f := newPickFixture(t, "")
	status, body := f.post(t, "/slack/commands", url.Values{"command": {"/incident"}, "text": {"delete"}, "user_id": {"U1"}, "user_name": {"alice"},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/1"}, "trigger_id": {"trig-1"}}, time.Now(), true)
	if status != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Fatalf("ack: %d %q", status, body)
	}
	views := f.views(t)
	if len(views) != 1 {
		t.Fatalf("views.open calls: %d (%v)", len(views), f.slackAPI.Requests())
	}
	raw, _ := json.Marshal(views[0])
	if views[0]["callback_id"] != "pick:delete" || !strings.Contains(string(raw), `"type":"multi_external_select"`) || !strings.Contains(string(raw), `"block_id":"ids:delete.ids"`) {
		t.Fatalf("the picker form: %s", raw)
	}
	submit := map[string]any{"type": "view_submission", "user": map[string]string{"id": "U1", "name": "alice"},
		"view": map[string]any{"id": "V1", "callback_id": "pick:delete", "private_metadata": views[0]["private_metadata"],
			"blocks": views[0]["blocks"],
			"state": map[string]any{"values": map[string]any{"ids:delete.ids": map[string]any{"value": map[string]any{"type": "multi_external_select",
				"selected_options": []map[string]any{{"value": "inc-1002"}, {"value": "inc-1005"}}}}}}}}
	status, body = f.payload(t, "/slack/interactions", submit)
	if status != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Fatalf("submission answer: %d %s", status, body)
	}
	// The confirmation goes where a typed command's would: privately,
	// through the response_url of the command that opened the form.
	var shown string
	for i := 0; i < 200 && shown == ""; i++ {
		for _, r := range f.slackAPI.Requests() {
			if r.Path == "/response/1" {
				shown = string(r.Body)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(shown, `"response_type":"ephemeral"`) || !strings.Contains(shown, "inc-1002") ||
		!strings.Contains(shown, "inc-1005") || !strings.Contains(shown, `"action_id":"confirm:`) {
		t.Fatalf("the confirmation shown: %s", shown)
	}
}

func TestShortcutOpensAFormPrefilledWithTheMessagesIDs(t *testing.T) {
	f := newPickFixture(t, "")
	shortcut := map[string]any{"type": "message_action", "callback_id": "act_on_message", "trigger_id": "trig-2",
		"user": map[string]string{"id": "U1", "name": "alice"}, "channel": map[string]string{"id": "C-WAR"},
		"response_url": f.slackAPI.URL + "/response/sc",
		"message": map[string]any{"type": "message", "text": "SecMaster alert",
			"blocks":      []map[string]any{{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Incident* <https://console.example.com/soc/inc-1001|inc-1001>"}}},
			"attachments": []map[string]any{{"fallback": "alert", "fields": []map[string]any{{"title": "Alert", "value": "alert-2001"}}}}}}
	if status, body := f.payload(t, "/slack/interactions", shortcut); status != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Fatalf("ack: %d %s", status, body)
	}
	views := f.views(t)
	if len(views) != 1 {
		t.Fatalf("views.open calls: %d", len(views))
	}
	raw, _ := json.Marshal(views[0])
	s := string(raw)
	for _, want := range []string{`"callback_id":"act"`, `"initial_options":[{"text":{"emoji":false,"text":"inc-1001"`, `"value":"alert-2001"`, `"value":"delete"`, `"value":"unlink"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the form lacks %s: %s", want, s)
		}
	}
}

func TestShortcutOnAMessageWithoutIDsSaysSoPrivately(t *testing.T) {
	f := newPickFixture(t, "")
	shortcut := map[string]any{"type": "message_action", "callback_id": "act_on_message", "trigger_id": "trig-3",
		"user": map[string]string{"id": "U1", "name": "alice"}, "channel": map[string]string{"id": "C-WAR"},
		"response_url": f.slackAPI.URL + "/response/none", "message": map[string]any{"type": "message", "text": "deploy at 5pm, v1.2.3"}}
	f.payload(t, "/slack/interactions", shortcut)
	var said string
	for i := 0; i < 100 && said == ""; i++ {
		for _, r := range f.slackAPI.Requests() {
			if r.Path == "/response/none" {
				said = string(r.Body)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(said, "no incident, alert or ticket ID") || !strings.Contains(said, `"response_type":"ephemeral"`) {
		t.Fatalf("answer: %s", said)
	}
	if len(f.views(t)) != 0 || f.vendor.Reads.Load() != 0 {
		t.Fatal("a form opened or a vendor was read")
	}
}

// Socket Mode carries the same block_suggestion: its ack holds the options.
func TestSocketModeAnswersBlockSuggestions(t *testing.T) {
	slackSide := newSocketSlack(t)
	gate := bottest.NewGate(t)
	deps, reader := bottest.AllDeps(t, gate.URL, gate.URL, gate.URL)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(deps), bot.Options{Logger: logger})
	conn, _ := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger, Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})})
	defer conn.Close()
	ack := exchange(t, conn, "s1", "interactive", suggestion("U1", "pick:unassign", "ids:unassign.ids", "login", nil))
	if got := options(t, func() (int, string) { return http.StatusOK, string(ack) }); strings.Join(got, " ") != "cx-3003" {
		t.Fatalf("socket mode options: %s", ack)
	}
}

// ephemeral waits for a chat.postEphemeral and returns its form.
func (f *pickFixture) ephemeral(t *testing.T) url.Values {
	t.Helper()
	for i := 0; i < 200; i++ {
		for _, r := range f.slackAPI.Requests() {
			if strings.HasSuffix(r.Path, "/chat.postEphemeral") {
				form, _ := url.ParseQuery(string(r.Body))
				return form
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("nothing was shown privately")
	return nil
}

func TestShortcutFormSubmittedAsksToConfirm(t *testing.T) {
	f := newPickFixture(t, "")
	selected := func(ids ...string) map[string]any {
		var opts []map[string]any
		for _, id := range ids {
			opts = append(opts, map[string]any{"value": id})
		}
		return map[string]any{"value": map[string]any{"type": "multi_external_select", "selected_options": opts}}
	}
	submit := map[string]any{"type": "view_submission", "user": map[string]string{"id": "U1", "name": "alice"},
		"view": map[string]any{"id": "V2", "callback_id": "act", "private_metadata": `{"channel":"C-WAR"}`,
			"state": map[string]any{"values": map[string]any{
				"verb":              map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "unlink"}}},
				"ids:delete.ids":    selected("inc-1001"),
				"ids:unlink.alerts": selected("alert-2001")}}}}
	if status, body := f.payload(t, "/slack/interactions", submit); status != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Fatalf("submission answer: %d %s", status, body)
	}
	blocks := f.ephemeral(t).Get("blocks")
	if !strings.Contains(blocks, "alert-2001") || !strings.Contains(blocks, "inc-1001") || !strings.Contains(blocks, `"action_id":"confirm:`) {
		t.Fatalf("the confirmation: %s", blocks)
	}

	// resolve asks for its own form next, the ticket filled in.
	submit["view"].(map[string]any)["state"] = map[string]any{"values": map[string]any{
		"verb":              map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "resolve"}}},
		"ids:accept.ticket": selected("IM202611220001")}}
	_, body := f.payload(t, "/slack/interactions", submit)
	if !strings.Contains(body, `"response_action":"update"`) || !strings.Contains(body, `"callback_id":"pick:resolve"`) || !strings.Contains(body, `"value":"IM202611220001"`) || !strings.Contains(body, `"block_id":"cause"`) {
		t.Fatalf("resolve's form: %s", body)
	}
}

func TestPickerFormIsRefusedToSomeoneNotAllowed(t *testing.T) {
	f := newPickFixture(t, "rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n")
	_, body := f.post(t, "/slack/commands", url.Values{"command": {"/incident"}, "text": {"delete"}, "user_id": {"U0MALLORY"}, "user_name": {"mallory"},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/m"}, "trigger_id": {"trig-m"}}, time.Now(), true)
	if !strings.Contains(body, "Not allowed") || len(f.views(t)) != 0 || f.vendor.Reads.Load() != 0 {
		t.Fatalf("answer %s; %d forms opened; %d vendor reads", body, len(f.views(t)), f.vendor.Reads.Load())
	}
}

// A vendor that never answers: the options are still answered within
// Slack's 3 s (the client gives up then), empty when nothing is known.
func TestOptionsAnswerInTimeWhenTheVendorHangs(t *testing.T) {
	f := newPickFixture(t, "")
	f.vendor.Hang.Store(true)
	status, body := f.payload(t, "/slack/options", suggestion("U1", "pick:delete", "ids:delete.ids", "db", nil))
	if status != http.StatusOK || strings.TrimSpace(body) != `{"options":[]}` {
		t.Fatalf("answer with a hanging vendor: %d %s", status, body)
	}
}

// Socket Mode drops an ack of 20 KB or more (slack-go refuses to send
// one). A hundred incidents with Chinese titles, as SecMaster holds in
// Huawei Cloud's home region, make options past that: they must still
// reach the responder, as many as fit.
func TestSocketModeOptionsFitInAnAckWithWideTitles(t *testing.T) {
	slackSide := newSocketSlack(t)
	var data []map[string]any
	for n := range 100 {
		id := "0a6e" + strconv.Itoa(1000+n) + "-7c1b-4d2e-9f3a-5b8c0d1e2f3a"
		data = append(data, map[string]any{"id": id, "data_object": map[string]any{"id": id,
			"title": "数据库服务器异常登录告警与数据外泄风险事件调查处理中请勿关闭此事件编号" + strconv.Itoa(n), "severity": "High", "handle_status": "Open",
			"create_time": "2026-11-22T08:00:00Z+0000", "update_time": "2026-11-22T08:00:00Z+0000"}})
	}
	secmaster := vendortest.New(t, vendortest.SecMasterListing(data))
	deps, reader := bottest.AllDeps(t, secmaster.URL, secmaster.URL, secmaster.URL)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(deps), bot.Options{Logger: logger})
	conn, _ := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger, Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})})
	ack := exchange(t, conn, "wide1", "interactive", suggestion("U1", "pick:delete", "ids:delete.ids", "", nil))
	got := options(t, func() (int, string) { return http.StatusOK, string(ack) })
	if len(got) < 25 {
		t.Fatalf("%d options in the ack (%d bytes); want as many as fit in 20 KB", len(got), len(ack))
	}
}

// Over Socket Mode every envelope comes down one connection. Options wait
// up to 1.5 s for a slow vendor: four responders typing in pickers at once
// must each still be answered within Slack's 3 s, not one after another.
func TestSocketModeAnswersConcurrentSuggestionsInTimeWhenTheVendorHangs(t *testing.T) {
	slackSide := newSocketSlack(t)
	gate := bottest.NewGate(t)
	gate.Hang.Store(true)
	deps, reader := bottest.AllDeps(t, gate.URL, gate.URL, gate.URL)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(deps), bot.Options{Logger: logger})
	conn, _ := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger, Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})})
	const n = 4
	for i := range n {
		env := map[string]any{"envelope_id": "busy" + strconv.Itoa(i), "type": "interactive", "accepts_response_payload": true,
			"payload": suggestion("U"+strconv.Itoa(i), "pick:delete", "ids:delete.ids", "db", nil)}
		if err := conn.WriteJSON(env); err != nil {
			t.Fatal(err)
		}
	}
	// Slack gives each envelope 3 s; all four were sent just now.
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	acked := 0
	for acked < n {
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			t.Fatalf("%d of %d options requests answered within Slack's 3 s: %v", acked, n, err)
		}
		if strings.HasPrefix(ack.EnvelopeID, "busy") {
			acked++
		}
	}
}

// TestAVerbAloneInAnyCaseOpensItsPicker: "  UNLINK " is the verb alone;
// "unlink inc-1" and "unlinked" are not.
func TestAVerbAloneInAnyCaseOpensItsPicker(t *testing.T) {
	f := newPickFixture(t, "")
	for i, text := range []string{"  UNLINK ", "Unlink", "unlink inc-1001 alert-2001", "unlinked"} {
		before := len(f.views(t))
		f.post(t, "/slack/commands", url.Values{"command": {"/incident"}, "text": {text}, "user_id": {"U1"}, "user_name": {"alice"},
			"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/1"}, "trigger_id": {"trig-" + strconv.Itoa(i)}}, time.Now(), true)
		opened := len(f.views(t)) > before
		if want := i < 2; opened != want {
			t.Errorf("%q opened a picker: %v, want %v", text, opened, want)
		}
	}
}
