package slack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/metrics"
)

// TestAReplayedCommandAndAReplayedClickDoNothing: the same signed slash
// command twice, and the same signed Confirm twice, with the bot checking
// the replay keys (as cmd/incidentbot wires it): each replay gets an
// empty 200, makes no confirmation and no vendor call, and is counted.
func TestAReplayedCommandAndAReplayedClickDoNothing(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, fixtureOptions{metrics: m})
	sign := f.signer(f.clock.Now())
	form := slashForm(f, "U-ALICE", "delete inc-1 inc-2")
	if status, body := f.post(t, "/slack/commands", form, sign); status != 200 || !strings.Contains(body, "confirm:") {
		t.Fatalf("first command: %d %s", status, body)
	}
	if status, body := f.post(t, "/slack/commands", form, sign); status != 200 || body != "" {
		t.Fatalf("replayed command answered %d %q, want an empty 200", status, body)
	}
	confirmID, _ := f.confirmation(t, "U-ALICE")
	raw, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": "trigger-2",
		"user": map[string]string{"id": "U-ALICE", "name": "alice"}, "channel": map[string]string{"id": "C-WAR"},
		"response_url": f.slackAPI.URL + "/response/click-U-ALICE",
		"actions":      []map[string]string{{"action_id": confirmID, "block_id": "buttons", "type": "button"}},
	})
	click := url.Values{"payload": {string(raw)}, "replay": {"1"}}
	if status, _ := f.post(t, "/slack/interactions", click, sign); status != 200 {
		t.Fatalf("first click: %d", status)
	}
	f.adapter.Wait()
	notes := len(f.posted(t, "/response/click-U-ALICE"))
	if status, body := f.post(t, "/slack/interactions", click, sign); status != 200 || body != "" {
		t.Fatalf("replayed click answered %d %q, want an empty 200", status, body)
	}
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Errorf("vendor got %d deletes, want 1", f.deletes())
	}
	if n := len(f.posted(t, "/response/click-U-ALICE")); n != notes {
		t.Errorf("the replayed click posted %d messages (an 'already confirmed' note?), want none", n-notes)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text, _ := io.ReadAll(rec.Body)
	if want := `incidentbot_webhooks_rejected_total{platform="slack",reason="replay"} 2`; !strings.Contains(string(text), want) {
		t.Errorf("metrics lack %s", want)
	}
}
