package slack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// viewsOpenAnswer is views.open's answer as Slack sends it, with the view
// echoed back; its input block holds a button, which slack-go's decoder
// does not know in an input block ("unsupported block element type").
const viewsOpenAnswer = `{"ok":true,"view":{"id":"V07ABCDEF12","team_id":"T0123","type":"modal",
"blocks":[{"type":"input","block_id":"title","label":{"type":"plain_text","text":"Title","emoji":true},"optional":false,"dispatch_action":false,
"element":{"type":"button","action_id":"value","text":{"type":"plain_text","text":"Pick","emoji":true}}},
{"type":"actions","block_id":"x","elements":[{"type":"brand_new_element","action_id":"y"}]}],
"private_metadata":"{\"channel\":\"C-WAR\"}","callback_id":"incident:create","state":{"values":{}},"hash":"1700000000.abcdEFGH",
"title":{"type":"plain_text","text":"Create incident","emoji":true},"clear_on_close":false,"notify_on_close":false,
"close":{"type":"plain_text","text":"Cancel","emoji":true},"submit":{"type":"plain_text","text":"Create","emoji":true},
"previous_view_id":null,"root_view_id":"V07ABCDEF12","app_id":"A0123","external_id":"","app_installed_team_id":"T0123","bot_id":"B0123"},
"response_metadata":{"messages":["[WARNING] something new"]}}`

func TestAnOKAnswerSlackGoCannotDecodeIsASuccess(t *testing.T) {
	f := newFixture(t)
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/views.open":
			_, _ = w.Write([]byte(viewsOpenAnswer))
		default:
			vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
		}
	})
	status, body := f.slash(t, "U-ALICE", "create")
	if status != 200 || body != "" {
		t.Fatalf("the form opened, but the user was answered %d %q; want the empty ack", status, body)
	}
}

func TestAWebAPIRefusalIsStillAnError(t *testing.T) {
	f := newFixture(t)
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"ok": false, "error": "expired_trigger_id"})
	})
	status, body := f.slash(t, "U-ALICE", "create")
	if status != 200 || !strings.Contains(body, "Something went wrong") || !strings.Contains(body, "/incident help create") {
		t.Fatalf("a refused views.open answered %d %q; want the short error and the typed alternative", status, body)
	}
}
