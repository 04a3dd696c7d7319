package main

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	slackbot "github.com/incidentbot/incidentbot/bot/slack"
)

// A Redis that stops answering (paused, a VM stall, a stalled primary)
// rather than refusing connections: a slash command must still be
// answered within Slack's 3 s, saying the store cannot be reached and
// running nothing, and the bot must work again once Redis does, without a
// restart. (Before the request budget the answer came after 6.35 s, when
// Slack had given up: the replay check and the confirmation's write each
// waited out the client's timeouts and retries.)
func TestRedisPausedCommandIsStillAnsweredWithinSlacksDeadline(t *testing.T) {
	c := newCluster(t)
	r1 := c.start()
	c.redis.Pause()
	paused := true
	defer func() {
		if paused {
			c.redis.Resume()
		}
	}()
	form := url.Values{"command": {"/incident"}, "text": {"delete inc-1"}, "user_id": {"U0ALICE"}, "user_name": {"alice"},
		"channel_id": {"C0WAR"}, "response_url": {c.slack.URL + "/resp/paused"}, "trigger_id": {"trig"}, "team_domain": {"paused"}}
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, r1.base+"/slack/commands", strings.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(replicaSecret), ts, []byte(body)))
	start := time.Now()
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer within Slack's 3 s with Redis paused: %v\n%s", err, r1.logs)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("answered in %s with Redis paused", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(string(answer), "cannot reach its store of confirmations") || strings.Contains(string(answer), "confirm:") {
		t.Fatalf("with Redis paused the answer was: %s", answer)
	}

	c.redis.Resume()
	paused = false
	var id string
	c.waitFor("a confirmation once Redis answers again", func() bool {
		id, _ = c.ask(r1, "delete inc-1", "/resp/resumed")
		return id != ""
	})
	time.Sleep(time.Second) // room for anything the paused request left behind
	if n := c.deletes(); n != 0 {
		t.Fatalf("%d vendor calls from a refused command", n)
	}
	c.click(r1, id, "/resp/resumed-click")
	c.waitFor("the confirmed delete after Resume", func() bool { return c.deletes() == 1 })
}
