package slack_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// failingResponseURL makes Slack's side refuse every response_url post
// with status, and the Web API methods in refuse with an error.
func failingResponseURL(status int, refuse ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/response/") {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "600") // past the policy's wait: no retry
			}
			w.WriteHeader(status)
			return
		}
		for _, m := range refuse {
			if strings.HasSuffix(r.URL.Path, m) {
				vendortest.Reply(w, 200, map[string]any{"ok": false, "error": "channel_not_found"})
				return
			}
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	}
}

func TestResultReachesTheRequesterWhenResponseURLFails(t *testing.T) {
	for _, status := range []int{500, 404, 429} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFixture(t)
			confirmID, _ := f.confirmation(t, "U-ALICE")
			f.slackAPI.SetHandler(failingResponseURL(status))
			f.click(t, "U-ALICE", confirmID)
			f.adapter.Wait()
			if f.deletes() != 1 {
				t.Fatalf("deletes = %d", f.deletes())
			}
			eph := f.posted(t, "/api/chat.postEphemeral")
			if len(eph) != 1 || !strings.Contains(eph[0]["form"].(string), "deleted+2+of+2") || !strings.Contains(eph[0]["form"].(string), "user=U-ALICE") {
				t.Fatalf("chat.postEphemeral = %v", eph)
			}
			if !strings.Contains(eph[0]["form"].(string), "could+not+be+updated") {
				t.Errorf("the private result does not say why it came this way: %v", eph[0])
			}
		})
	}
}

func TestResultGoesToTheChannelWhenThePrivateRouteFailsToo(t *testing.T) {
	f := newFixture(t)
	f.slackAPI.SetHandler(failingResponseURL(500, "chat.postEphemeral"))
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) { // a refusal: a private result
		vendortest.Reply(w, 400, map[string]any{"error_code": "COC.00040001", "error_msg": "ticket closed"})
	})
	f.slash(t, "U-ALICE", "verify IM1 --pass")
	f.adapter.Wait()
	msgs := f.posted(t, "/api/chat.postMessage")
	if len(msgs) != 1 || !strings.Contains(msgs[0]["form"].(string), "For+u-alice") || !strings.Contains(msgs[0]["form"].(string), "refused") {
		t.Fatalf("chat.postMessage = %v", msgs)
	}
}

func TestEveryRouteFailingIsAuditedAsUndelivered(t *testing.T) {
	var logs bottest.Buffer
	f := newFixtureWith(t, fixtureOptions{logs: &logs})
	confirmID, _ := f.confirmation(t, "U-ALICE")
	f.slackAPI.SetHandler(failingResponseURL(500, "chat.postEphemeral", "chat.postMessage"))
	f.click(t, "U-ALICE", confirmID)
	f.adapter.Wait()
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"outcome":"undelivered"`) {
			line = l
		}
	}
	for _, want := range []string{`"log":"audit"`, `"event":"deliver"`, "SecMaster: deleted 2 of 2", "inc-1", "inc-2", `"user":"U-ALICE"`} {
		if !strings.Contains(line, want) {
			t.Errorf("undelivered audit line lacks %s: %s", want, line)
		}
	}
}

func TestFailingResponseURLLogsNoToken(t *testing.T) {
	var logs bottest.Buffer
	f := newFixtureWith(t, fixtureOptions{logs: &logs})
	const secretPart = "T0001/B0002/Zx9SecretResponseToken0123456789"
	form := slashForm(f, "U-ALICE", "verify IM1 --pass")
	form.Set("response_url", "http://127.0.0.1:1/commands/"+secretPart) // nothing listens: a network error quoting the URL
	form.Del("seq")
	f.post(t, "/slack/commands", form, nil)
	f.adapter.Wait()
	if !strings.Contains(logs.String(), "response_url") {
		t.Fatalf("the failure was not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "Zx9SecretResponseToken") {
		t.Fatalf("the response_url token reached the log:\n%s", logs.String())
	}
}

// The request for a second approval is a new public message. When neither
// response_url nor chat.postMessage can show it, the requester is told
// privately why nobody else can see it, the same note Discord gives (one
// fallback chain).
func TestApprovalRequestTheChannelRefusesIsExplainedPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(path, []byte("rules:\n  - verbs: [delete]\n    request: [\"*\"]\n    second_approval_over: 0\n    approve: [slack:U0BOB]\n"), 0o600)
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	holder := policy.NewHolder(verbs, nil)
	if err := holder.Reload(path); err != nil {
		t.Fatal(err)
	}
	f := newFixtureTTL(t, 5*time.Minute, func(_ *fixture, o *bot.Options) { o.Access = holder })
	confirmID, _ := f.confirmation(t, "U-ALICE")
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.HasPrefix(r.URL.Path, "/response/") && strings.Contains(string(body), `"in_channel"`):
			w.WriteHeader(http.StatusInternalServerError)
		case r.URL.Path == "/api/chat.postMessage":
			vendortest.Reply(w, 200, map[string]any{"ok": false, "error": "not_in_channel"})
		default:
			vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
		}
	})
	f.click(t, "U-ALICE", confirmID)
	f.adapter.Wait()
	eph := f.posted(t, "/api/chat.postEphemeral")
	if len(eph) != 1 || !strings.Contains(eph[0]["form"].(string), "could+not+be+posted+in+the+channel") {
		t.Fatalf("chat.postEphemeral = %v, want the approval request with why nobody else sees it", eph)
	}
	if f.deletes() != 0 {
		t.Fatal("the delete ran before its second approval")
	}
}
