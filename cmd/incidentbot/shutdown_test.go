package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// SIGTERM (a cancelled ctx) while a COC call takes longer than
// INCIDENTBOT_SHUTDOWN_TIMEOUT: the binary stops taking commands, waits
// the timeout, tells the user the outcome is unknown and where to check,
// writes the audit line, and updates an open confirmation to say the bot
// restarted.
func TestSIGTERMDuringALongVendorCall(t *testing.T) {
	addr := freeAddr(t)
	slackAPI := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, map[string]any{"ok": true}) })
	release := make(chan struct{})
	called := make(chan struct{}, 1)
	coc := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		called <- struct{}{}
		select { // longer than the shutdown timeout
		case <-release:
		case <-time.After(time.Minute):
		}
		vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM1"}})
	})
	t.Cleanup(func() { close(release) })
	sm := vendortest.New(t, vendortest.SecMasterEcho)
	vars := configured(sm.URL, "")
	delete(vars, "CORALOGIX_API_KEY")
	for k, v := range map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": slackAPI.URL + "/api/",
		"INCIDENTBOT_ADDR": addr, "INCIDENTBOT_SHUTDOWN_TIMEOUT": "1s", "COC_ENDPOINT": coc.URL, "COC_OPERATOR_ID": "op", "HUAWEICLOUD_DOMAIN_ID": "d"} {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errOut bottest.Buffer
	go func() { done <- run(ctx, nil, env(vars), strings.NewReader(""), io.Discard, &errOut) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	slash := func(text, responsePath string) string {
		body := url.Values{"command": {"/incident"}, "text": {text}, "user_id": {"U1"}, "user_name": {"alice"}, "channel_id": {"C1"},
			"response_url": {slackAPI.URL + responsePath}}.Encode()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte("s3cret"), ts, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut.String())
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return string(answer)
	}
	if got := slash(`create --title "DB down" --description "Primary unreachable" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`, "/response/create"); !strings.Contains(got, "Working on it") {
		t.Fatalf("create: %s", got)
	}
	if got := slash("delete inc-1", "/response/delete"); !strings.Contains(got, "Confirm: delete incidents (1)") {
		t.Fatalf("delete: %s", got)
	}
	<-called // COC is working on it
	cancel() // SIGTERM
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}

	var createPosts, deletePosts []string
	for _, r := range slackAPI.Requests() {
		switch r.Path {
		case "/response/create":
			createPosts = append(createPosts, string(r.Body))
		case "/response/delete":
			deletePosts = append(deletePosts, string(r.Body))
		}
	}
	told := strings.Join(createPosts, "\n")
	if !strings.Contains(told, "Outcome unknown: create") || !strings.Contains(told, "check COC before trying again") || !strings.Contains(told, `"response_type":"in_channel"`) {
		t.Errorf("what the user saw of the running create: %v", createPosts)
	}
	// The confirmation's look-ups may have updated it first; the stop's
	// notice is the last word, and nothing else was posted.
	last := len(deletePosts) - 1
	if last < 0 || last > 1 || !strings.Contains(deletePosts[last], "The bot restarted") || !strings.Contains(deletePosts[last], `"replace_original":true`) ||
		(last == 1 && !strings.Contains(deletePosts[0], "Confirm: delete incidents (1)?")) {
		t.Errorf("what the user saw of the open confirmation: %v", deletePosts)
	}
	logs := errOut.String()
	for _, want := range []string{`"outcome":"unknown: the bot stopped before the action finished"`, `"outcome":"dropped: the bot stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, logs)
		}
	}
	if sm.Count(http.MethodDelete) != 0 {
		t.Error("the open confirmation was run")
	}
}
