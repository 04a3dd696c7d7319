package discord_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
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
