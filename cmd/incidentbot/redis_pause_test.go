package main

import (
	"encoding/json"
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
	answer := postWithinSlacksDeadline(t, r1, "/slack/commands", form)
	if !strings.Contains(answer, "cannot reach its store of confirmations") || strings.Contains(answer, "confirm:") {
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

// A Confirm clicked while Redis is paused is acknowledged within Slack's
// 3 s, refused with the store's message, and runs nothing, even after
// Redis thaws.
func TestRedisPausedClickIsAnsweredWithinSlacksDeadlineAndRunsNothing(t *testing.T) {
	c := newCluster(t)
	r1 := c.start()
	id, answer := c.ask(r1, "delete inc-1", "/resp/ask")
	if id == "" {
		t.Fatalf("no confirmation: %s", answer)
	}
	c.redis.Pause()
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]string{"id": "U0ALICE", "name": "alice"},
		"channel": map[string]string{"id": "C0WAR"}, "response_url": c.slack.URL + "/resp/click-paused",
		"actions": []map[string]string{{"action_id": id, "block_id": "buttons", "type": "button"}}})
	postWithinSlacksDeadline(t, r1, "/slack/interactions", url.Values{"payload": {string(payload)}, "team_domain": {"click"}})
	c.redis.Resume()
	c.waitFor("the refusal of the paused click", func() bool {
		return strings.Contains(strings.Join(c.posts("/resp/click-paused"), "\n"), "cannot reach its store of confirmations")
	})
	time.Sleep(time.Second) // room for a run the click let through
	if n := c.deletes(); n != 0 {
		t.Fatalf("%d vendor calls from a click refused with Redis paused", n)
	}
}

// postWithinSlacksDeadline sends a signed request as Slack does, giving up
// after Slack's 3 s, and returns the answer.
func postWithinSlacksDeadline(t *testing.T, r *replica, path string, form url.Values) string {
	t.Helper()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(replicaSecret), ts, []byte(body)))
	start := time.Now()
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer within Slack's 3 s with Redis paused: %v\n%s", err, r.logs)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	t.Logf("%s answered in %s with Redis paused", path, time.Since(start).Round(time.Millisecond))
	return string(answer)
}

// An options request (the picker's type-ahead) with Redis paused: its
// replay check and the shared look-up cache on Redis stall, and Slack
// must still get its options within 3 s.
func TestRedisPausedOptionsAreAnsweredWithinSlacksDeadline(t *testing.T) {
	c := newCluster(t)
	r1 := c.start()
	c.redis.Pause()
	defer c.redis.Resume()
	payload, _ := json.Marshal(map[string]any{"type": "block_suggestion", "user": map[string]string{"id": "U0ALICE", "name": "alice"},
		"block_id": "ids:delete.ids", "action_id": "value", "value": "inc",
		"view": map[string]any{"id": "V1", "callback_id": "pick:delete", "private_metadata": `{"channel":"C0WAR"}`}})
	answer := postWithinSlacksDeadline(t, r1, "/slack/options", url.Values{"payload": {string(payload)}, "team_domain": {"options"}})
	if !strings.Contains(answer, `"options"`) {
		t.Fatalf("with Redis paused the options answer was: %s", answer)
	}
	t.Logf("options: %s", answer)
}
