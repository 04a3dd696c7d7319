package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	discordbot "github.com/incidentbot/incidentbot/bot/discord"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

type fixture struct {
	bot       *bot.Bot
	adapter   *discordbot.Adapter
	server    *httptest.Server
	api       *vendortest.Server // stands in for Discord's REST API
	secmaster *vendortest.Server
	coc       *vendortest.Server
	key       ed25519.PrivateKey
	clock     *bottest.Clock
	seq       atomic.Int64 // makes each request's body unique, as Discord's are
}

func discordAPI(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/callback"):
		w.WriteHeader(http.StatusNoContent)
	case strings.Contains(r.URL.Path, "/commands"):
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	default:
		vendortest.Reply(w, 200, map[string]any{"id": "msg-1", "channel_id": "C-WAR"})
	}
}

func newFixture(t testing.TB, options ...func(*bot.Options)) *fixture {
	return newFixtureLogs(t, io.Discard, options...)
}

// newFixtureLogs is newFixture with its log (JSON lines) written to logs.
func newFixtureLogs(t testing.TB, logs io.Writer, options ...func(*bot.Options)) *fixture {
	t.Helper()
	return fixtureOf(t, logs, 100, 0, nil, options...)
}

// newFixtureWith sets SecMaster's batch size, the adapter's progress
// interval and the metrics too.
func newFixtureWith(t testing.TB, batch int, progressEvery time.Duration, m *metrics.Metrics, options ...func(*bot.Options)) *fixture {
	t.Helper()
	return fixtureOf(t, io.Discard, batch, progressEvery, m, options...)
}

func fixtureOf(t testing.TB, logs io.Writer, batch int, progressEvery time.Duration, m *metrics.Metrics, options ...func(*bot.Options)) *fixture {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f := &fixture{key: priv, clock: bottest.NewClock(time.Now())}
	f.api = vendortest.New(t, discordAPI)
	f.secmaster = vendortest.New(t, vendortest.SecMasterEcho)
	f.coc = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM202611220077"}})
	})
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	// The bot checks the replay keys of commands and clicks in the
	// adapter's replay cache, as cmd/incidentbot wires them.
	seen := pending.NewMemoryShared(f.clock.Now)
	opt := bot.Options{ConfirmTTL: 5 * time.Minute, Now: f.clock.Now, Logger: logger, Metrics: m, Seen: seen}
	for _, o := range options {
		o(&opt)
	}
	deps := bottest.HuaweiDepsBatch(t, f.secmaster.URL, f.coc.URL, batch)
	if opt.Lookup != nil { // show and list read through the bot's reader
		deps.Reader = opt.Lookup
	}
	b := bot.New(commands.New(deps), opt)
	a, err := discordbot.New(discordbot.Options{Bot: b, BotToken: "bot-token", AppID: "app-1", GuildID: "guild-1",
		PublicKey: hex.EncodeToString(pub), APIURL: f.api.URL, Logger: logger, Now: f.clock.Now, ProgressEvery: progressEvery, Metrics: m,
		Seen: seen, BotChecksReplays: true})
	if err != nil {
		t.Fatal(err)
	}
	f.adapter, f.bot = a, b
	mux := http.NewServeMux()
	a.Routes(mux)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

// send posts an interaction signed with the fixture's key (or as sign says).
func (f *fixture) send(t testing.TB, interaction map[string]any, sign func(h http.Header, body []byte)) (int, map[string]any) {
	t.Helper()
	if _, ok := interaction["seq"]; !ok { // Discord's own bodies differ (a fresh ID and token)
		interaction["seq"] = f.seq.Add(1)
	}
	body, _ := json.Marshal(interaction)
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+"/discord/interactions", bytes.NewReader(body))
	if sign == nil {
		sign = func(h http.Header, b []byte) {
			ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
			h.Set("X-Signature-Timestamp", ts)
			h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), b...))))
		}
	}
	sign(req.Header, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// api is the REST path prefix of the Discord API version discordgo speaks.
var api = "/api/v" + discordgo.APIVersion

func member(user string) map[string]any {
	return map[string]any{"user": map[string]any{"id": user, "username": strings.ToLower(user)}}
}

func slash(id, user, sub string, options map[string]any) map[string]any {
	var opts []map[string]any
	for name, v := range options {
		typ := 3
		if _, ok := v.(bool); ok {
			typ = 5
		}
		opts = append(opts, map[string]any{"name": name, "type": typ, "value": v})
	}
	return map[string]any{"type": 2, "id": id, "application_id": "app-1", "token": "tok-" + id, "channel_id": "C-WAR", "member": member(user),
		"data": map[string]any{"id": "cmd-1", "name": "incident", "type": 1, "options": []map[string]any{{"name": sub, "type": 1, "options": opts}}}}
}

func click(id, user, customID string) map[string]any {
	return map[string]any{"type": 3, "id": id, "application_id": "app-1", "token": "tok-" + id, "channel_id": "C-WAR", "member": member(user),
		"message": map[string]any{"id": "msg-1", "channel_id": "C-WAR"}, "data": map[string]any{"custom_id": customID, "component_type": 2}}
}

func (f *fixture) deletes() int { return f.secmaster.Count(http.MethodDelete) }

func (f *fixture) rest(method, pathPart string) []vendortest.Request {
	var out []vendortest.Request
	for _, r := range f.api.Requests() {
		if r.Method == method && strings.Contains(r.Path, pathPart) {
			out = append(out, r)
		}
	}
	return out
}

// buttons returns the custom IDs and styles of a response's buttons.
func buttons(data map[string]any) map[string]float64 {
	out := map[string]float64{}
	rows, _ := data["components"].([]any)
	for _, row := range rows {
		for _, c := range row.(map[string]any)["components"].([]any) {
			b := c.(map[string]any)
			out[b["custom_id"].(string)] = b["style"].(float64)
		}
	}
	return out
}

func (f *fixture) confirmation(t *testing.T, user string) (confirmID, cancelID string) {
	t.Helper()
	status, resp := f.send(t, slash("i1", user, "delete", map[string]any{"ids": "inc-1, inc-2"}), nil)
	if status != 200 || resp["type"] != float64(4) {
		t.Fatalf("delete: %d %v", status, resp)
	}
	data := resp["data"].(map[string]any)
	if data["flags"] != float64(64) {
		t.Errorf("confirmation flags = %v, want ephemeral (64)", data["flags"])
	}
	raw, _ := json.Marshal(data)
	if !strings.Contains(string(raw), "inc-1") || !strings.Contains(string(raw), "inc-2") {
		t.Errorf("confirmation does not list the IDs: %s", raw)
	}
	for id, style := range buttons(data) {
		switch {
		case strings.HasPrefix(id, "confirm:") && style == 4:
			confirmID = id
		case strings.HasPrefix(id, "cancel:"):
			cancelID = id
		}
	}
	if confirmID == "" || cancelID == "" {
		t.Fatalf("no danger Confirm and Cancel: %s", raw)
	}
	return confirmID, cancelID
}

func TestPingAndSignatures(t *testing.T) {
	f := newFixture(t)
	if status, resp := f.send(t, map[string]any{"type": 1, "id": "p", "application_id": "app-1", "token": "t"}, nil); status != 200 || resp["type"] != float64(1) {
		t.Fatalf("PING: %d %v", status, resp)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	for name, sign := range map[string]func(http.Header, []byte){
		"missing": func(http.Header, []byte) {},
		"other key": func(h http.Header, b []byte) {
			h.Set("X-Signature-Timestamp", "1")
			h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(other, append([]byte("1"), b...))))
		},
		"tampered": func(h http.Header, b []byte) {
			h.Set("X-Signature-Timestamp", "1")
			h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte("2"), b...))))
		},
	} {
		if status, _ := f.send(t, slash("i9", "U-ALICE", "delete", map[string]any{"ids": "inc-9"}), sign); status != http.StatusUnauthorized {
			t.Errorf("%s signature: %d, want 401", name, status)
		}
	}
	// A badly signed Confirm on a live confirmation does nothing.
	confirmID, _ := f.confirmation(t, "U-ALICE")
	forged := func(h http.Header, b []byte) {
		h.Set("X-Signature-Timestamp", "1")
		h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(other, append([]byte("1"), b...))))
	}
	if status, _ := f.send(t, click("forged", "U-ALICE", confirmID), forged); status != http.StatusUnauthorized {
		t.Errorf("forged confirm: %d, want 401", status)
	}
	f.adapter.Wait()
	if f.deletes() != 0 || len(f.api.Requests()) != 0 {
		t.Fatalf("a forged click had an effect: deletes=%d, Discord calls=%d", f.deletes(), len(f.api.Requests()))
	}
}

func TestDeleteConfirmRunsOnceAndEditsTheMessage(t *testing.T) {
	f := newFixture(t)
	confirmID, _ := f.confirmation(t, "U-ALICE")
	if f.deletes() != 0 {
		t.Fatal("vendor called before confirmation")
	}
	status, resp := f.send(t, click("i2", "U-ALICE", confirmID), nil)
	if status != 200 || resp["type"] != float64(7) {
		t.Fatalf("confirm click: %d %v (want an UpdateMessage)", status, resp)
	}
	if raw, _ := json.Marshal(resp); !strings.Contains(string(raw), "Running: delete incidents (2)") || len(buttons(resp["data"].(map[string]any))) != 0 {
		t.Errorf("running update = %s", raw)
	}
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("DELETEs = %d, want 1", f.deletes())
	}
	edits := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i2/messages/@original")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "SecMaster: deleted 2 of 2") {
		t.Fatalf("result edit = %v", edits)
	}
	if posts := f.rest(http.MethodPost, api+"/webhooks/app-1/tok-i2"); len(posts) != 1 || strings.Contains(string(posts[0].Body), `"flags":64`) {
		t.Fatalf("public result followup = %v", posts)
	}

	// A second click does nothing but tell the clicker.
	_, resp = f.send(t, click("i3", "U-ALICE", confirmID), nil)
	f.adapter.Wait()
	if f.deletes() != 1 || resp["type"] != float64(4) || resp["data"].(map[string]any)["flags"] != float64(64) {
		t.Fatalf("second click: deletes=%d resp=%v", f.deletes(), resp)
	}
}

func TestOtherUserAndExpiredClicksMakeNoCall(t *testing.T) {
	f := newFixture(t)
	confirmID, cancelID := f.confirmation(t, "U-ALICE")
	for _, id := range []string{confirmID, cancelID} {
		_, resp := f.send(t, click("m", "U-MALLORY", id), nil)
		raw, _ := json.Marshal(resp)
		if resp["type"] != float64(4) || !strings.Contains(string(raw), "Only u-alice can") || resp["data"].(map[string]any)["flags"] != float64(64) {
			t.Fatalf("mallory's click = %s", raw)
		}
	}
	f.clock.Add(6 * time.Minute)
	_, resp := f.send(t, click("late", "U-ALICE", confirmID), nil)
	f.adapter.Wait()
	raw, _ := json.Marshal(resp)
	if f.deletes() != 0 || resp["type"] != float64(7) || !strings.Contains(string(raw), "Expired") {
		t.Fatalf("deletes=%d; expired click = %s", f.deletes(), raw)
	}
}

func TestWorksInDMsWithoutMember(t *testing.T) {
	f := newFixture(t)
	dm := slash("d1", "", "delete", map[string]any{"ids": "inc-1"})
	delete(dm, "member")
	dm["user"] = map[string]any{"id": "U-DM", "username": "dmuser"}
	_, resp := f.send(t, dm, nil)
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	c := click("d2", "", confirmID)
	delete(c, "member")
	c["user"] = map[string]any{"id": "U-DM", "username": "dmuser"}
	if _, resp := f.send(t, c, nil); resp["type"] != float64(7) {
		t.Fatalf("DM confirm = %v", resp)
	}
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("DM confirm made %d deletes", f.deletes())
	}
}

func modalSubmit(id, customID string, fields map[string]string) map[string]any {
	var rows []map[string]any
	for k, v := range fields {
		rows = append(rows, map[string]any{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": k, "value": v}}})
	}
	return map[string]any{"type": 5, "id": id, "application_id": "app-1", "token": "tok-" + id, "channel_id": "C-WAR", "member": member("U-ALICE"),
		"data": map[string]any{"custom_id": customID, "components": rows}}
}

// TestCreateModalAndTheSlowVendor: the create command opens a form; its
// submission is answered with a deferred response while COC takes up to 10
// seconds, and the card arrives once COC answers.
func TestCreateModalAndTheSlowVendor(t *testing.T) {
	f := newFixture(t)
	_, resp := f.send(t, slash("c1", "U-ALICE", "create", map[string]any{"level": "level_20", "type": "inc_type_p_reliability_issues", "interrupted": true}), nil)
	if resp["type"] != float64(9) {
		t.Fatalf("create = %v, want a modal", resp)
	}
	modal := resp["data"].(map[string]any)
	customID := modal["custom_id"].(string)
	maxLen := map[string]float64{}
	for _, row := range modal["components"].([]any) {
		in := row.(map[string]any)["components"].([]any)[0].(map[string]any)
		maxLen[in["custom_id"].(string)] = in["max_length"].(float64)
	}
	if len(maxLen) > 5 || maxLen["title"] != 200 || maxLen["description"] != 600 {
		t.Fatalf("modal inputs = %v", maxLen)
	}

	release := make(chan struct{})
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM202611220077"}})
	})
	_, resp = f.send(t, modalSubmit("c2", customID, map[string]string{"title": "DB down", "description": "primary gone", "app": "app-7", "assignee": "u-1"}), nil)
	if resp["type"] != float64(5) {
		t.Fatalf("submit answered %v while the vendor was busy, want a deferred response", resp)
	}
	if len(f.rest(http.MethodPatch, "@original")) != 0 {
		t.Fatal("a result was sent before the vendor answered")
	}
	close(release)
	f.adapter.Wait()
	var sent map[string]any
	f.coc.Requests()[0].JSON(t, &sent)
	if sent["incident_title"] != "DB down" || sent["incident_level"] != "level_20" || sent["is_service_interrupt"] != "true" || sent["current_cloud_service"].([]any)[0] != "app-7" {
		t.Fatalf("COC got %v", sent)
	}
	edits := f.rest(http.MethodPatch, "/webhooks/app-1/tok-c2/messages/@original")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "Incident IM202611220077: DB down") || !strings.Contains(string(edits[0].Body), "verify:IM202611220077") {
		t.Fatalf("card edit = %v", edits)
	}

	// The form can only be used once.
	_, resp = f.send(t, modalSubmit("c3", customID, map[string]string{"title": "again", "description": "d", "app": "a", "assignee": "u"}), nil)
	if raw, _ := json.Marshal(resp); !strings.Contains(string(raw), "form has expired") {
		t.Fatalf("reused form = %s", raw)
	}
}

func TestInvalidFormIsAnsweredWithoutACall(t *testing.T) {
	f := newFixture(t)
	_, resp := f.send(t, slash("c1", "U-ALICE", "create", map[string]any{"level": "level_20", "type": "inc_type_p_security_issues", "interrupted": false, "scene": "night"}), nil)
	customID := resp["data"].(map[string]any)["custom_id"].(string)
	_, resp = f.send(t, modalSubmit("c2", customID, map[string]string{"title": "t", "description": "d", "app": "a"}), nil)
	raw, _ := json.Marshal(resp)
	if resp["type"] != float64(4) || !strings.Contains(string(raw), "--scene and --role go together") || len(f.coc.Requests()) != 0 {
		t.Fatalf("invalid form answer = %s", raw)
	}
}

func TestVerifyInlineAndFromTheCard(t *testing.T) {
	f := newFixture(t)
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"provider_code":"049","error_code":"GOM.00000000","error_msg":null,"data":null}`))
	})
	if _, resp := f.send(t, slash("v1", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass", "comment": "green"}), nil); resp["type"] != float64(5) {
		t.Fatalf("verify = %v, want deferred", resp)
	}
	_, resp := f.send(t, click("v2", "U-BOB", "form:verify:IM2"), nil)
	if resp["type"] != float64(9) || !strings.HasPrefix(resp["data"].(map[string]any)["custom_id"].(string), "modal:verify:") ||
		resp["data"].(map[string]any)["title"] != "Verify IM2" {
		t.Fatalf("Verify button = %v, want the verify modal", resp)
	}
	f.send(t, modalSubmit("v3", resp["data"].(map[string]any)["custom_id"].(string), map[string]string{"result": "Fail", "comment": "5xx back"}), nil)
	f.adapter.Wait()
	reqs := f.coc.Requests()
	if len(reqs) != 2 {
		t.Fatalf("COC requests = %d, want 2", len(reqs))
	}
	// The two verifies run concurrently: find each by its ticket.
	sent := map[string]map[string]any{}
	for _, r := range reqs {
		var body map[string]any
		r.JSON(t, &body)
		sent[body["incident_num"].(string)] = body
	}
	if sent["IM1"]["parameter"].(map[string]any)["virtual_confirm_result"] != true {
		t.Errorf("inline verify sent %v", sent["IM1"])
	}
	if sent["IM2"]["parameter"].(map[string]any)["virtual_confirm_result"] != false || sent["IM2"]["parameter"].(map[string]any)["virtual_confirm_comment"] != "5xx back" {
		t.Fatalf("verify from the card sent %v", sent["IM2"])
	}
}

// The gateway path: the same handler driven by InteractionCreate, with the
// initial response sent to the interaction callback endpoint.
func TestGatewayInteractionCreate(t *testing.T) {
	f := newFixture(t)
	raw, _ := json.Marshal(slash("g1", "U-ALICE", "delete", map[string]any{"ids": "inc-1 inc-2"}))
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatal(err)
	}
	f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &i})
	callbacks := f.rest(http.MethodPost, api+"/interactions/g1/tok-g1/callback")
	if len(callbacks) != 1 {
		t.Fatalf("callbacks = %v", f.api.Requests())
	}
	var resp map[string]any
	callbacks[0].JSON(t, &resp)
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	raw, _ = json.Marshal(click("g2", "U-ALICE", confirmID))
	var c discordgo.Interaction
	_ = json.Unmarshal(raw, &c)
	f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &c})
	f.adapter.Wait()
	if f.deletes() != 1 || len(f.rest(http.MethodPatch, "/webhooks/app-1/tok-g2/messages/@original")) != 1 {
		t.Fatalf("gateway confirm: deletes=%d requests=%v", f.deletes(), f.api.Requests())
	}
}

func TestRegistrationSendsTheCommand(t *testing.T) {
	f := newFixture(t)
	if err := f.adapter.RegisterCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	puts := f.rest(http.MethodPut, api+"/applications/app-1/guilds/guild-1/commands")
	if len(puts) != 1 {
		t.Fatalf("registration requests = %v", f.api.Requests())
	}
	if got := puts[0].Header.Get("Authorization"); got != "Bot bot-token" {
		t.Errorf("Authorization = %q", got)
	}
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, puts[0].Body, "", "  ")
	bottest.Golden(t, "commands.json", append(pretty.Bytes(), '\n'))
	var cmds []map[string]any
	puts[0].JSON(t, &cmds)
	if len(cmds) != 2 || cmds[0]["name"] != "incident" || cmds[1]["name"] != "Act on incidents in this message" || cmds[1]["type"] != float64(3) {
		t.Fatalf("commands = %v", cmds)
	}
	subs := map[string][]string{}
	for _, s := range cmds[0]["options"].([]any) {
		sub := s.(map[string]any)
		opts, _ := sub["options"].([]any)
		for _, o := range opts {
			subs[sub["name"].(string)] = append(subs[sub["name"].(string)], o.(map[string]any)["name"].(string))
		}
	}
	for sub, want := range map[string]string{"verify": "ticket,result,comment", "delete": "ids,more_ids", "unlink": "incident,alerts,more_alerts,from,to", "unassign": "ids,more_ids"} {
		if strings.Join(subs[sub], ",") != want {
			t.Errorf("%s options = %v, want %s", sub, subs[sub], want)
		}
	}
}

func TestRateLimitIsRetriedWithinABound(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	tries := map[string]int{}
	f.api.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch {
			discordAPI(w, r)
			return
		}
		mu.Lock()
		tries[r.URL.Path]++
		n := tries[r.URL.Path]
		mu.Unlock()
		retry := 0.05 // a short wait: worth it, once
		if strings.Contains(r.URL.Path, "tok-slow") {
			retry = 600 // ten minutes: not worth waiting for
		} else if n > 1 {
			discordAPI(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "You are being rate limited.", "retry_after": retry, "global": false})
	})
	fast, _ := f.confirmation(t, "U-ALICE")
	f.send(t, click("fast", "U-ALICE", fast), nil)
	f.adapter.Wait()
	if n := len(f.rest(http.MethodPatch, "tok-fast")); n != 2 {
		t.Fatalf("edits of the fast message = %d, want a 429 then a retry", n)
	}

	slow, _ := f.confirmation(t, "U-ALICE")
	f.send(t, click("slow", "U-ALICE", slow), nil)
	done := make(chan struct{})
	go func() { f.adapter.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("a 10-minute Retry-After held the result")
	}
	if n := len(f.rest(http.MethodPatch, "tok-slow")); n != 1 {
		t.Fatalf("edits tried = %d; a Retry-After over the bound is not waited for", n)
	}
	var told bool
	for _, p := range f.rest(http.MethodPost, "/webhooks/app-1/tok-slow") {
		told = told || (strings.Contains(string(p.Body), "rate-limiting") && strings.Contains(string(p.Body), "SecMaster: deleted 2 of 2") && strings.Contains(string(p.Body), `"flags":64`))
	}
	if !told {
		t.Fatalf("the user was not told the result privately: %v", f.rest(http.MethodPost, "/webhooks/app-1/tok-slow"))
	}
}
