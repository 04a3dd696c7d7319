package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// malformed are interactions Discord would never send: each must be
// refused with a message, over HTTP and over the gateway, and the process
// must go on serving.
var malformedCases = []struct {
	name        string
	interaction map[string]any
	want        string // in the answer; "" when HTTP refuses it before handling
}{
	{"an integer where ids is a string", withOptions("m1", []any{map[string]any{"name": "ids", "type": 4, "value": map[string]any{"x": 1}}}), "unexpected kind"},
	{"a list as a value", withOptions("m2", []any{map[string]any{"name": "ids", "type": 3, "value": []any{"a"}}}), "unexpected kind"},
	{"a null value", withOptions("m3", []any{map[string]any{"name": "ids", "type": 3, "value": nil}}), "unexpected kind"},
	{"a null option", withOptions("m4", []any{nil}), "an option is empty"},
	{"null data", map[string]any{"type": 2, "id": "m5", "application_id": "app-1", "token": "tok-m5", "channel_id": "C-WAR", "member": member("U-ALICE"), "data": nil}, "incidentbot commands"},
	{"no user at all", map[string]any{"type": 2, "id": "m6", "application_id": "app-1", "token": "tok-m6", "channel_id": "C-WAR", "member": map[string]any{},
		"data": map[string]any{"name": "incident", "options": []any{map[string]any{"name": "delete", "type": 1, "options": []any{map[string]any{"name": "ids", "type": 3, "value": "inc-1"}}}}}}, "does not say who sent it"},
	{"a null subcommand", map[string]any{"type": 2, "id": "m7", "application_id": "app-1", "token": "tok-m7", "channel_id": "C-WAR", "member": member("U-ALICE"),
		"data": map[string]any{"name": "incident", "options": []any{nil}}}, "incidentbot commands"},
	{"a button with no data", map[string]any{"type": 3, "id": "m8", "application_id": "app-1", "token": "tok-m8", "channel_id": "C-WAR", "member": member("U-ALICE")}, ""},
	{"a modal with a null row", map[string]any{"type": 5, "id": "m9", "application_id": "app-1", "token": "tok-m9", "channel_id": "C-WAR", "member": member("U-ALICE"),
		"data": map[string]any{"custom_id": "form:create:x", "components": []any{nil}}}, ""},
}

func withOptions(id string, opts []any) map[string]any {
	return map[string]any{"type": 2, "id": id, "application_id": "app-1", "token": "tok-" + id, "channel_id": "C-WAR", "member": member("U-ALICE"),
		"data": map[string]any{"id": "cmd-1", "name": "incident", "type": 1, "options": []any{map[string]any{"name": "delete", "type": 1, "options": opts}}}}
}

func TestMalformedInteractionsAreRefusedOverHTTP(t *testing.T) {
	f := newFixture(t)
	for _, tc := range malformedCases {
		status, resp := f.send(t, tc.interaction, nil)
		raw, _ := json.Marshal(resp)
		if status == http.StatusOK && tc.want != "" && !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s: answered %d %s, want %q", tc.name, status, raw, tc.want)
		}
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Errorf("%s: answered %d", tc.name, status)
		}
	}
	if f.deletes() != 0 {
		t.Fatalf("a malformed interaction reached SecMaster")
	}
	f.confirmation(t, "U-ALICE") // still serving
}

func TestMalformedInteractionsAreRefusedOverTheGateway(t *testing.T) {
	f := newFixture(t)
	for _, tc := range malformedCases {
		raw, _ := json.Marshal(tc.interaction)
		var i discordgo.Interaction
		if err := json.Unmarshal(raw, &i); err != nil {
			i = discordgo.Interaction{Type: discordgo.InteractionType(tc.interaction["type"].(int)), ID: tc.interaction["id"].(string),
				AppID: "app-1", Token: "tok-" + tc.interaction["id"].(string), Member: &discordgo.Member{User: &discordgo.User{ID: "U-ALICE"}}}
		}
		f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &i}) // a panic here would fail the test binary
		callbacks := f.rest(http.MethodPost, "/interactions/"+i.ID+"/"+i.Token+"/callback")
		if len(callbacks) != 1 {
			t.Errorf("%s: %d answers, want 1", tc.name, len(callbacks))
			continue
		}
		if tc.want != "" && !strings.Contains(string(callbacks[0].Body), tc.want) {
			t.Errorf("%s: answered %s, want %q", tc.name, callbacks[0].Body, tc.want)
		}
	}
	// An interaction whose data is not there at all (never decoded).
	f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, ID: "n1", AppID: "app-1", Token: "tok-n1",
		Member: &discordgo.Member{User: &discordgo.User{ID: "U-ALICE"}}}})
	if c := f.rest(http.MethodPost, "/interactions/n1/tok-n1/callback"); len(c) != 1 || !strings.Contains(string(c[0].Body), "malformed") {
		t.Errorf("missing data: %v", c)
	}
	f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{}) // no interaction at all
	f.adapter.Wait()
	if f.deletes() != 0 {
		t.Fatalf("a malformed interaction reached SecMaster")
	}
}

func (f *fixture) signAt(at time.Time, ts string) func(h http.Header, b []byte) {
	return func(h http.Header, b []byte) {
		if ts == "" {
			ts = strconv.FormatInt(at.Unix(), 10)
		}
		h.Set("X-Signature-Timestamp", ts)
		h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), b...))))
	}
}

func TestStaleOrFutureTimestampsAreRefused(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	for name, sign := range map[string]func(http.Header, []byte){
		"six minutes old":   f.signAt(now.Add(-6*time.Minute), ""),
		"six minutes ahead": f.signAt(now.Add(6*time.Minute), ""),
		"zero":              f.signAt(now, "0"),
		"not a number":      f.signAt(now, "not-a-number"),
		"2020":              f.signAt(now, "1577836800"),
	} {
		if status, _ := f.send(t, slash("s-"+name, "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"}), sign); status != http.StatusUnauthorized {
			t.Errorf("%s: answered %d, want 401", name, status)
		}
	}
	if n := f.coc.Count(http.MethodPost); n != 0 {
		t.Fatalf("a stale request reached COC %d times", n)
	}
	if status, _ := f.send(t, slash("fresh", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"}), f.signAt(now.Add(-4*time.Minute), "")); status != 200 {
		t.Fatalf("a request 4 minutes old answered %d", status)
	}
}

func TestReplayedInteractionIsRefused(t *testing.T) {
	f := newFixture(t)
	verify := slash("r1", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"})
	verify["seq"] = 0
	sign := f.signAt(f.clock.Now(), "")
	if status, _ := f.send(t, verify, sign); status != 200 {
		t.Fatalf("first: %d", status)
	}
	f.adapter.Wait()
	f.clock.Add(time.Minute)
	if status, _ := f.send(t, verify, sign); status != http.StatusUnauthorized {
		t.Fatalf("replay answered %d, want 401", status)
	}
	f.adapter.Wait()
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("verify and its replay made %d COC calls, want 1", n)
	}
}

// failingEdits makes Discord refuse every edit of an original response
// with status, and the routes in refuse (path parts) with 500.
func failingEdits(status int, refuse ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/messages/@original") {
			vendortest.Reply(w, status, map[string]any{"message": "Unknown Webhook", "code": 10015})
			return
		}
		for _, p := range refuse {
			if strings.Contains(r.URL.Path, p) && r.Method == http.MethodPost {
				vendortest.Reply(w, 500, map[string]any{"message": "server error"})
				return
			}
		}
		discordAPI(w, r)
	}
}

func TestResultReachesTheUserWhenTheEditFails(t *testing.T) {
	for _, status := range []int{500, 404} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFixture(t)
			f.api.SetHandler(failingEdits(status))
			f.send(t, slash("v1", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "fail"}), nil)
			f.adapter.Wait()
			var private bool
			for _, p := range f.rest(http.MethodPost, "/webhooks/app-1/tok-v1") {
				private = private || (strings.Contains(string(p.Body), "could not be updated") && strings.Contains(string(p.Body), `"flags":64`))
			}
			if !private {
				t.Fatalf("no private follow-up with the result: %v", f.api.Requests())
			}
		})
	}
}

func TestResultGoesToTheChannelWhenFollowUpsFailToo(t *testing.T) {
	f := newFixture(t)
	f.api.SetHandler(failingEdits(500, "/webhooks/"))
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) { // a refusal: a private result
		vendortest.Reply(w, 400, map[string]any{"error_code": "COC.00040001", "error_msg": "ticket closed"})
	})
	f.send(t, slash("v2", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"}), nil)
	f.adapter.Wait()
	posts := f.rest(http.MethodPost, api+"/channels/C-WAR/messages")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), "COC refused the request") || posts[0].Header.Get("Authorization") != "Bot bot-token" {
		t.Fatalf("channel messages = %v", posts)
	}
}

func TestEveryRouteFailingIsAuditedAsUndeliveredWithoutTheToken(t *testing.T) {
	var logs bottest.Buffer
	f := newFixtureLogs(t, &logs)
	const token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpNZ2FiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNERUZHSElKSw"
	f.api.SetHandler(failingEdits(500, "/webhooks/", "/channels/"))
	i := slash("v3", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"})
	i["token"] = token
	f.send(t, i, nil)
	f.adapter.Wait()
	if !strings.Contains(logs.String(), `"outcome":"undelivered"`) || !strings.Contains(logs.String(), "Ticket IM1: verification passed") {
		t.Fatalf("no undelivered audit line with the result:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token[:40]) {
		t.Fatalf("the interaction token reached the log:\n%s", logs.String())
	}
}
