package slack_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
