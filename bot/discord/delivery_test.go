package discord_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

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
