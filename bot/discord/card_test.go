package discord_test

import (
	"net/http"
	"strings"
	"testing"
)

// A step taken from a ticket card, directly (Accept) or through the form
// a button opened (Verify), updates the card in place: the original embed
// stays, a status field is added, the buttons become the next steps.
func TestCardMovesWithTheTicket(t *testing.T) {
	f := newFixture(t)
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"provider_code":"049","error_code":"GOM.00000000","error_msg":null,"data":null}`))
	})
	onCard := func(i map[string]any) map[string]any {
		i["message"] = map[string]any{"id": "card-1", "channel_id": "C-WAR",
			"embeds": []map[string]any{{"title": "Incident IM9: DB down", "description": "Level P2 · owner u-1"}}}
		return i
	}
	_, resp := f.send(t, onCard(click("a1", "U-BOB", "form:accept:IM9")), nil)
	if resp["type"] != float64(6) {
		t.Fatalf("accept on the card answered %v, want a deferred update of the card", resp)
	}
	f.adapter.Wait()
	edits := f.rest(http.MethodPatch, "/webhooks/app-1/tok-a1/messages/@original")
	if len(edits) != 1 {
		t.Fatalf("card edits = %d", len(edits))
	}
	body := string(edits[0].Body)
	if !strings.Contains(body, "Incident IM9: DB down") || !strings.Contains(body, "Ticket IM9: accepted") ||
		!strings.Contains(body, "form:resolve:IM9") || strings.Contains(body, "form:accept:IM9") {
		t.Fatalf("the moved card = %s", body)
	}

	_, resp = f.send(t, onCard(click("v1", "U-BOB", "form:verify:IM9")), nil)
	customID := resp["data"].(map[string]any)["custom_id"].(string)
	_, resp = f.send(t, onCard(modalSubmit("v2", customID, map[string]string{"result": "pass", "comment": "green"})), nil)
	if resp["type"] != float64(6) {
		t.Fatalf("the verify form's submission answered %v, want a deferred update of the card", resp)
	}
	f.adapter.Wait()
	edits = f.rest(http.MethodPatch, "/webhooks/app-1/tok-v2/messages/@original")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "verification passed") || !strings.Contains(string(edits[0].Body), "Incident IM9") {
		t.Fatalf("the card after verify = %v", edits)
	}
}
