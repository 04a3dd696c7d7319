package slack_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/pending"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

const createCmd = `create --title "DB down" --description "Primary unreachable" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`

func slashForm(f *fixture, user, text string) url.Values {
	return url.Values{"command": {"/incident"}, "text": {text}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/" + user}, "trigger_id": {"trigger-1"}, "seq": {"fixed"}}
}

func TestReplayedRequestDoesNothing(t *testing.T) {
	f := newFixture(t)
	form := slashForm(f, "U-ALICE", createCmd)
	sign := f.signer(f.clock.Now())
	status, _ := f.post(t, "/slack/commands", form, sign)
	f.adapter.Wait()
	if status != 200 || f.coc.Count(http.MethodPost) != 1 {
		t.Fatalf("first create: %d, COC calls %d", status, f.coc.Count(http.MethodPost))
	}
	status, body := f.post(t, "/slack/commands", form, sign) // the same bytes, the same signature
	f.adapter.Wait()
	if status != 200 || body != "" {
		t.Errorf("replay answered %d %q, want an empty 200", status, body)
	}
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("a replay made %d COC calls in all, want 1", n)
	}
}

func TestSlackRetryIsAcknowledgedWithoutDoingTheWorkAgain(t *testing.T) {
	f := newFixture(t)
	f.slash(t, "U-ALICE", createCmd)
	f.adapter.Wait()
	status, body := f.post(t, "/slack/commands", slashForm(f, "U-ALICE", createCmd), func(h http.Header, b []byte) {
		f.signer(f.clock.Now())(h, b)
		h.Set("X-Slack-Retry-Num", "1")
		h.Set("X-Slack-Retry-Reason", "http_timeout")
	})
	f.adapter.Wait()
	if status != 200 || body != "" {
		t.Errorf("retry answered %d %q", status, body)
	}
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("the command and its retry made %d COC calls, want 1", n)
	}
}

func TestFloodPastTheCapIsRefusedAndNothingStored(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{limits: pending.Limits{PerUser: 3, Total: 100}})
	for i := 0; i < 3; i++ {
		f.confirmation(t, "U-ALICE")
	}
	_, body := f.slash(t, "U-ALICE", "delete inc-9")
	for _, want := range []string{"Nothing was run", "You have 3 confirmations waiting", "cancel the ones you have"} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "confirm:") {
		t.Fatalf("a refused command still got a Confirm button:\n%s", body)
	}
	if _, bob := f.confirmation(t, "U-BOB"); bob == "" { // others are not affected
		t.Fatal("another user was refused too")
	}
}

// panicky is a dispatcher with a bug: any command panics.
type panicky struct{ *bot.Bot }

func (panicky) Handle(context.Context, bot.Request) bot.Outcome { panic("a bug in the dispatcher") }

func TestPanicInAHandlerIsAnsweredAndTheProcessLives(t *testing.T) {
	var logs bottest.Buffer
	f := newFixtureWith(t, fixtureOptions{logs: &logs, wrap: func(b *bot.Bot) slackbot.Dispatcher { return panicky{b} }})
	status, body := f.slash(t, "U-ALICE", "help")
	if status != 200 || !strings.Contains(body, "Something went wrong on our side (ref ") {
		t.Fatalf("a panic was answered %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "a bug in the dispatcher") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs.String())
	}
	// The server still serves: a click goes through the real bot.
	if status, _ := f.click(t, "U-ALICE", "cancel:nope"); status != 200 {
		t.Fatalf("after a panic the server answered %d", status)
	}
}

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
