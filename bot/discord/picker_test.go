package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	discordbot "github.com/incidentbot/incidentbot/bot/discord"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

type pickFixture struct {
	server *httptest.Server
	api    *vendortest.Server
	vendor *bottest.Gate
	key    ed25519.PrivateKey
	seq    atomic.Int64
}

// newPickFixture serves the Discord adapter over the sandbox, with the
// picker; policy, when not empty, is the access policy's YAML.
func newPickFixture(t *testing.T, policyYAML string) *pickFixture {
	t.Helper()
	gate := bottest.NewGate(t)
	f := newPickFixtureOn(t, gate.URL, policyYAML)
	f.vendor = gate
	return f
}

// newPickFixtureOn is a pickFixture whose vendors are all at vendorURL.
func newPickFixtureOn(t *testing.T, vendorURL, policyYAML string) *pickFixture {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f := &pickFixture{key: priv, api: vendortest.New(t, discordAPI)}
	deps, reader := bottest.AllDeps(t, vendorURL, vendorURL, vendorURL)
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
	a, err := discordbot.New(discordbot.Options{Bot: b, BotToken: "bot-token", AppID: "app-1", PublicKey: hex.EncodeToString(pub),
		APIURL: f.api.URL, Picker: picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

// send posts a signed interaction, waiting for the answer at most as long
// as Discord does (3 s).
func (f *pickFixture) send(t *testing.T, interaction map[string]any) map[string]any {
	t.Helper()
	interaction["seq"] = f.seq.Add(1)
	body, _ := json.Marshal(interaction)
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+"/discord/interactions", bytes.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), body...))))
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer within Discord's 3 s: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// typing is an autocomplete interaction (type 4) for /incident sub, with
// focus on the option named focus.
func typing(user, sub, focus string, options map[string]string) map[string]any {
	var opts []map[string]any
	for name, v := range options {
		opts = append(opts, map[string]any{"name": name, "type": 3, "value": v, "focused": name == focus})
	}
	return map[string]any{"type": 4, "id": "ac", "application_id": "app-1", "token": "tok-ac", "channel_id": "C-WAR", "member": member(user),
		"data": map[string]any{"id": "cmd-1", "name": "incident", "type": 1, "options": []map[string]any{{"name": sub, "type": 1, "options": opts}}}}
}

type choice struct{ Name, Value string }

// choices reads a type 8 answer; it fails the test on any other type and
// on a choice beyond Discord's limits.
func choices(t *testing.T, resp map[string]any) []choice {
	t.Helper()
	if resp["type"] != float64(8) {
		t.Fatalf("answer type %v, want 8: %v", resp["type"], resp)
	}
	var out []choice
	data, _ := resp["data"].(map[string]any)
	list, _ := data["choices"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		ch := choice{Name: m["name"].(string), Value: m["value"].(string)}
		if n := utf8.RuneCountInString(ch.Name); n < 1 || n > 100 {
			t.Errorf("choice name is %d characters: %q", n, ch.Name)
		}
		if n := utf8.RuneCountInString(ch.Value); n < 1 || n > 100 {
			t.Errorf("choice value is %d characters: %q", n, ch.Value)
		}
		out = append(out, ch)
	}
	if len(out) > 25 {
		t.Errorf("%d choices", len(out))
	}
	return out
}

// values are the choices' values, sorted (the vendor's order is newest first).
func values(cs []choice) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Value)
	}
	slices.Sort(out)
	return out
}

func TestAutocompleteOffersTheSandboxIncidentsMatchingWhatIsTyped(t *testing.T) {
	f := newPickFixture(t, "")
	got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": "db"})))
	if strings.Join(values(got), " ") != "inc-1002 inc-1005" {
		t.Fatalf("choices for db: %v", got)
	}
	if got[1].Name != "Bulk export from db-reporting-2 outside business hours · Fatal · inc-1002" {
		t.Errorf("a choice reads %q", got[1].Name)
	}
	// A list: the earlier IDs stay, the last is completed.
	got = choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": "inc-1001, inc-100"})))
	want := "inc-1001 inc-1002|inc-1001 inc-1003|inc-1001 inc-1004|inc-1001 inc-1005"
	if joined := strings.Join(values(got), "|"); joined != want {
		t.Errorf("list completion: %s, want %s", joined, want)
	}
	if !strings.HasPrefix(got[0].Name, "+1 ") {
		t.Errorf("a list choice does not say one ID is already chosen: %q", got[0].Name)
	}
	// unlink's alerts are those linked to the chosen incident.
	got = choices(t, f.send(t, typing("U-ALICE", "unlink", "alerts", map[string]string{"incident": "inc-1001", "alerts": ""})))
	if strings.Join(values(got), " ") != "alert-2001 alert-2002 alert-2003" {
		t.Errorf("alerts of inc-1001: %v", got)
	}
	got = choices(t, f.send(t, typing("U-ALICE", "unassign", "ids", map[string]string{"ids": "db"})))
	if len(got) != 1 || got[0].Value != "cx-3002" || !strings.Contains(got[0].Name, "Error") {
		t.Errorf("Coralogix choices for db: %v", got)
	}
	got = choices(t, f.send(t, typing("U-ALICE", "accept", "ticket", map[string]string{"ticket": "db"})))
	if len(got) != 1 || got[0].Value != "IM202611220001" || !strings.Contains(got[0].Name, "P2") {
		t.Errorf("ticket choices for db: %v", got)
	}
}

// A vendor that never answers: the autocomplete is still answered in
// time, from the last good list when there is one, else with none.
func TestAutocompleteAnswersInTimeWhenTheVendorHangs(t *testing.T) {
	f := newPickFixture(t, "")
	f.vendor.Hang.Store(true)
	if got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": "db"}))); len(got) != 0 {
		t.Fatalf("choices with nothing known: %v", got)
	}

	f = newPickFixture(t, "")
	if got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": ""}))); len(got) != 5 {
		t.Fatalf("all incidents: %v", got)
	}
	f.vendor.Hang.Store(true)
	got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": "db"})))
	if strings.Join(values(got), " ") != "inc-1002 inc-1005" {
		t.Fatalf("choices from the last good list: %v", got)
	}
}

func TestAutocompleteOffersNothingToSomeoneNotAllowed(t *testing.T) {
	f := newPickFixture(t, "rules:\n  - verbs: [delete]\n    request: [discord:user:111]\n")
	if got := choices(t, f.send(t, typing("666", "delete", "ids", map[string]string{"ids": "db"}))); len(got) != 0 {
		t.Fatalf("a user the policy does not allow got %v", got)
	}
	if n := f.vendor.Reads.Load(); n != 0 {
		t.Fatalf("the vendor was read %d times for someone not allowed", n)
	}
	if got := choices(t, f.send(t, typing("111", "delete", "ids", map[string]string{"ids": "db"}))); len(got) != 2 {
		t.Fatalf("an allowed user got %v", got)
	}
}

// messageCommand is the "Act on incidents in this message" interaction on
// a message with content and embeds.
func messageCommand(user, content string, embeds []map[string]any) map[string]any {
	msg := map[string]any{"id": "m-9", "channel_id": "C-WAR", "content": content, "embeds": embeds}
	return map[string]any{"type": 2, "id": "mc", "application_id": "app-1", "token": "tok-mc", "channel_id": "C-WAR", "member": member(user),
		"data": map[string]any{"id": "cmd-2", "name": "Act on incidents in this message", "type": 3, "target_id": "m-9",
			"resolved": map[string]any{"messages": map[string]any{"m-9": msg}}}}
}

func TestActOnAMessageOffersItsIDsAndConfirms(t *testing.T) {
	f := newPickFixture(t, "")
	resp := f.send(t, messageCommand("U-ALICE", "SecMaster: alert-2001 raised", []map[string]any{
		{"title": "Brute force", "fields": []map[string]any{{"name": "Incident", "value": "[inc-1001](https://console.example.com/incidents/inc-1001)"}}}}))
	raw, _ := json.Marshal(resp)
	data := resp["data"].(map[string]any)
	if resp["type"] != float64(4) || data["flags"] != float64(64) {
		t.Fatalf("not a private answer: %s", raw)
	}
	if !strings.Contains(string(raw), "inc-1001") || !strings.Contains(string(raw), "alert-2001") {
		t.Fatalf("the form does not show the IDs: %s", raw)
	}
	menu := data["components"].([]any)[0].(map[string]any)["components"].([]any)[0].(map[string]any)
	var verbs []string
	for _, o := range menu["options"].([]any) {
		verbs = append(verbs, o.(map[string]any)["value"].(string))
		if l := o.(map[string]any)["label"].(string); utf8.RuneCountInString(l) > 100 {
			t.Errorf("option label %d characters", utf8.RuneCountInString(l))
		}
	}
	if strings.Join(verbs, " ") != "delete unlink" {
		t.Fatalf("verbs offered: %v", verbs)
	}
	pick := map[string]any{"type": 3, "id": "pk", "application_id": "app-1", "token": "tok-pk", "channel_id": "C-WAR", "member": member("U-ALICE"),
		"message": map[string]any{"id": "eph-1", "channel_id": "C-WAR"},
		"data":    map[string]any{"custom_id": menu["custom_id"], "component_type": 3, "values": []string{"unlink"}}}
	resp = f.send(t, pick)
	raw, _ = json.Marshal(resp)
	if resp["type"] != float64(7) || !strings.Contains(string(raw), "alert-2001") || !strings.Contains(string(raw), "inc-1001") || !strings.Contains(string(raw), "confirm:") {
		t.Fatalf("picking unlink does not show its confirmation: %s", raw)
	}
}

func TestActOnAMessageWithoutIDsSaysSo(t *testing.T) {
	f := newPickFixture(t, "")
	resp := f.send(t, messageCommand("U-ALICE", "lunch at 12?", nil))
	raw, _ := json.Marshal(resp)
	if data := resp["data"].(map[string]any); data["flags"] != float64(64) || !strings.Contains(string(raw), "no incident, alert or ticket ID") {
		t.Fatalf("answer: %s", raw)
	}
	if f.vendor.Reads.Load() != 0 {
		t.Fatal("a vendor was read")
	}
}

func TestActOnAMessageOffersNothingToSomeoneNotAllowed(t *testing.T) {
	f := newPickFixture(t, "rules:\n  - verbs: [delete, unlink]\n    request: [discord:user:111]\n")
	resp := f.send(t, messageCommand("666", "inc-1001 alert-2001", nil))
	raw, _ := json.Marshal(resp)
	if strings.Contains(string(raw), "act:") || !strings.Contains(string(raw), "Not allowed") {
		t.Fatalf("answer to someone not allowed: %s", raw)
	}
}

// The registered commands: at most 5 message commands (Discord's limit),
// names of 1 to 32 characters; every ID option autocompletes, and none
// of those carries fixed choices (Discord refuses both at once).
func TestCommandsMarkEveryIDOptionAndFitDiscordsLimits(t *testing.T) {
	cmds := discordbot.Commands(nil)
	messageCommands := 0
	for _, c := range cmds {
		if c.Type == discordgo.MessageApplicationCommand {
			messageCommands++
			if n := utf8.RuneCountInString(c.Name); n < 1 || n > 32 || c.Description != "" || len(c.Options) != 0 {
				t.Errorf("message command %q (%d characters), description %q", c.Name, n, c.Description)
			}
		}
	}
	if messageCommands != 1 || len(cmds) != 2 {
		t.Fatalf("%d commands, %d message commands", len(cmds), messageCommands)
	}
	marked := map[string]bool{}
	for _, sub := range cmds[0].Options {
		for _, o := range sub.Options {
			if o.Autocomplete {
				marked[o.Name] = true
				if len(o.Choices) > 0 || o.Type != discordgo.ApplicationCommandOptionString {
					t.Errorf("%s %s: autocomplete with choices or of type %d", sub.Name, o.Name, o.Type)
				}
			}
		}
	}
	var names []string
	for n := range marked {
		names = append(names, n)
	}
	slices.Sort(names)
	if strings.Join(names, " ") != "alerts ids incident more_alerts more_ids ticket" {
		t.Errorf("autocomplete options: %v", names)
	}
}

// resolve picked in the act menu opens resolve's form with the ticket
// filled in; its submission runs as a command (a result in the channel),
// not as a step of a card.
func TestActOnATicketOpensItsFormAndRunsAsACommand(t *testing.T) {
	f := newPickFixture(t, "")
	resp := f.send(t, messageCommand("U-ALICE", "COC ticket IM202611220002 solved?", nil))
	data := resp["data"].(map[string]any)
	menu := data["components"].([]any)[0].(map[string]any)["components"].([]any)[0].(map[string]any)
	pick := map[string]any{"type": 3, "id": "pk2", "application_id": "app-1", "token": "tok-pk2", "channel_id": "C-WAR", "member": member("U-ALICE"),
		"message": map[string]any{"id": "eph-2", "channel_id": "C-WAR"},
		"data":    map[string]any{"custom_id": menu["custom_id"], "component_type": 3, "values": []string{"verify"}}}
	resp = f.send(t, pick)
	raw, _ := json.Marshal(resp)
	if resp["type"] != float64(9) || !strings.Contains(string(raw), "IM202611220002") {
		t.Fatalf("verify's form: %s", raw)
	}
	modalID := resp["data"].(map[string]any)["custom_id"].(string)
	submit := map[string]any{"type": 5, "id": "ms", "application_id": "app-1", "token": "tok-ms", "channel_id": "C-WAR", "member": member("U-ALICE"),
		"message": map[string]any{"id": "eph-2", "channel_id": "C-WAR", "embeds": []map[string]any{{"title": "What should happen to the IDs in this message?"}}},
		"data": map[string]any{"custom_id": modalID, "components": []map[string]any{
			{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": "result", "value": "pass"}}},
			{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": "comment", "value": "error rate back to baseline"}}}}}}
	resp = f.send(t, submit)
	if resp["type"] != float64(5) {
		raw, _ = json.Marshal(resp)
		t.Fatalf("the submission is not answered as a command (deferred, then the result): %s", raw)
	}
}

// A vendor that lists an object with no ID, or with an ID the bot's own
// grammar refuses ("inc 1", a space), must not spoil the answer: Discord
// refuses a whole autocomplete answer with an empty value ("Loading
// options failed"), and a value with a space becomes two IDs. Such objects
// are left out; the good ones are offered.
func TestAutocompleteLeavesOutObjectsWithoutAUsableID(t *testing.T) {
	rec := func(id, title string) map[string]any {
		return map[string]any{"id": id, "data_object": map[string]any{"id": id, "title": title, "severity": "High", "handle_status": "Open",
			"create_time": "2026-11-22T08:00:00Z+0000", "update_time": "2026-11-22T08:00:00Z+0000"}}
	}
	data := []map[string]any{rec("", "Lost its ID on the way"), rec("inc 1", "Two words"), rec("inc-1001", "Brute-force logins")}
	f := newPickFixtureOn(t, vendortest.New(t, vendortest.SecMasterListing(data)).URL, "")
	got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": ""})))
	if strings.Join(values(got), "|") != "inc-1001" {
		t.Fatalf("choices: %v", got)
	}
}

// SecMaster titles often carry an attacker's text (an alert's log line).
// A right-to-left override in one turns the rest of the choice's name
// around, so the short ID a responder reads is not the ID the choice
// fills in. Invisible format and control characters are left out of names.
func TestAutocompleteNamesCarryNoBidiOverridesFromTitles(t *testing.T) {
	data := []map[string]any{{"id": "inc-1001", "data_object": map[string]any{"id": "inc-1001",
		"title": "Routine scan \u202e2001-cni \u2066\x1b[2J", "severity": "High\u200f", "handle_status": "Open",
		"create_time": "2026-11-22T08:00:00Z+0000", "update_time": "2026-11-22T08:00:00Z+0000"}}}
	f := newPickFixtureOn(t, vendortest.New(t, vendortest.SecMasterListing(data)).URL, "")
	got := choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": ""})))
	if len(got) != 1 || got[0].Name != "Routine scan 2001-cni [2J · High · inc-1001" {
		t.Fatalf("choices: %q", got)
	}
}

// Discord asks for choices on every keystroke, from every responder. The
// vendor's list API is rate-limited with the same credentials as the
// deletes it serves: ten keystrokes in a row must not be ten list reads.
func TestAutocompleteKeystrokesShareOneVendorRead(t *testing.T) {
	f := newPickFixture(t, "")
	typed := ""
	for _, c := range "db-report" {
		typed += string(c)
		choices(t, f.send(t, typing("U-ALICE", "delete", "ids", map[string]string{"ids": typed})))
	}
	if n := f.vendor.Reads.Load(); n > 2 {
		t.Fatalf("%d keystrokes made %d vendor list reads", len(typed), n)
	}
}
