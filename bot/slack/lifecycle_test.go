package slack_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A ticket is created and taken through accept, resolve and verify from
// its card, against the sandbox's COC (which refuses steps out of order):
// each step updates the card in place and offers the next.
func TestTicketLifecycleFromTheCard(t *testing.T) {
	sb := sandbox.New()
	base, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	f := &fixture{clock: bottest.NewClock(time.Now())}
	f.slackAPI = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(bottest.HuaweiDeps(t, "", base)), bot.Options{Now: f.clock.Now, Logger: logger})
	t.Cleanup(b.Close)
	f.adapter = slackbot.New(slackbot.Options{Bot: b, BotToken: "xoxb-test", SigningSecret: secret, APIURL: f.slackAPI.URL + "/api/", Now: f.clock.Now, Logger: logger})
	mux := http.NewServeMux()
	f.adapter.Routes(mux)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)

	f.slash(t, "U-ALICE", `create --title "DB down" --description d --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`)
	f.adapter.Wait()
	cardPosts := f.posted(t, "/response/U-ALICE")
	cardJSON, _ := json.Marshal(cardPosts[len(cardPosts)-1])
	var cardMsg struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(cardJSON, &cardMsg)
	ids := actionIDs(string(cardJSON))
	if ids["form"] == "" || !strings.Contains(string(cardJSON), "Incident IM") {
		t.Fatalf("no card with buttons: %s", cardJSON)
	}
	ticket := strings.TrimPrefix(ids["form"], "form:verify:") // the last button is Verify
	if !strings.HasPrefix(ticket, "IM") {
		t.Fatalf("card buttons: %v", ids)
	}

	// press clicks a card button, the card's blocks in the payload as Slack sends them.
	press := func(user, actionID string, blocks json.RawMessage) {
		payload := map[string]any{
			"type": "block_actions", "trigger_id": "trigger-2",
			"user": map[string]string{"id": user, "name": strings.ToLower(user)}, "channel": map[string]string{"id": "C-WAR"},
			"response_url": f.slackAPI.URL + "/response/card",
			"message":      map[string]any{"blocks": blocks},
			"actions":      []map[string]string{{"action_id": actionID, "block_id": "buttons", "type": "button"}},
		}
		f.interact(t, payload)
	}
	lastCard := func() (string, json.RawMessage) {
		posts := f.posted(t, "/response/card")
		raw, _ := json.Marshal(posts[len(posts)-1])
		var m struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal(raw, &m)
		return string(raw), m.Blocks
	}

	// Verify first: COC refuses (a new ticket cannot be verified); the card
	// stays as it is and only the presser is told, with COC's code.
	press("U-BOB", "form:verify:"+ticket, cardMsg.Blocks)
	f.submitView(t, "incident:verify", lastOpenedMeta(t, f), map[string]string{"result": "pass"}, nil)
	f.adapter.Wait()
	text, _ := lastCard()
	if !strings.Contains(text, "COC refused") || !strings.Contains(text, `"response_type":"ephemeral"`) || strings.Contains(text, "replace_original\":true") {
		t.Fatalf("a step out of order: %s", text)
	}

	press("U-BOB", "form:accept:"+ticket, cardMsg.Blocks)
	f.adapter.Wait()
	text, blocks := lastCard()
	if !strings.Contains(text, "accepted") || !strings.Contains(text, `"replace_original":true`) || !strings.Contains(text, "DB down") ||
		!strings.Contains(text, "form:resolve:"+ticket) || strings.Contains(text, "form:accept:") {
		t.Fatalf("after accept, the card = %s", text)
	}

	// Submit solution: the button opens a form; its submission moves the card.
	press("U-BOB", "form:resolve:"+ticket, blocks)
	meta := lastOpenedMeta(t, f)
	f.submitView(t, "incident:resolve", meta, map[string]string{"cause": "disk full", "solution": "rotated logs", "type": "inc_type_p_reliability_issues"}, nil)
	f.adapter.Wait()
	text, blocks = lastCard()
	if !strings.Contains(text, "solution submitted") || !strings.Contains(text, "accepted") || !strings.Contains(text, "form:verify:"+ticket) {
		t.Fatalf("after resolve, the card = %s", text)
	}

	press("U-BOB", "form:verify:"+ticket, blocks)
	meta = lastOpenedMeta(t, f)
	f.submitView(t, "incident:verify", meta, map[string]string{"result": "pass"}, nil)
	f.adapter.Wait()
	text, _ = lastCard()
	if !strings.Contains(text, "verification passed") || strings.Contains(text, "form:") {
		t.Fatalf("after verify, the card = %s", text)
	}
	if state, _ := sb.TicketState(ticket); state != sandbox.TicketVerified {
		t.Fatalf("COC's ticket is %v, want verified", state)
	}
}

func lastOpenedMeta(t *testing.T, f *fixture) string {
	t.Helper()
	var meta string
	for _, r := range f.slackAPI.Requests() {
		if r.Path == "/api/views.open" {
			var m struct {
				View struct {
					PrivateMetadata string `json:"private_metadata"`
				} `json:"view"`
			}
			r.JSON(t, &m)
			meta = m.View.PrivateMetadata
		}
	}
	if meta == "" {
		t.Fatal("no form was opened")
	}
	return meta
}
