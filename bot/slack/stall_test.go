package slack_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// Socket Mode with Redis paused (SIGSTOP, as a frozen VM): the envelope's
// re-delivery check and the confirmation's write both stall, and the
// ack must still reach Slack within its 3 s, saying that the store cannot
// be reached; once Redis answers, the same connection gets a
// confirmation again.
func TestSocketModeAcksWithinSlacksDeadlineWithRedisPaused(t *testing.T) {
	srv := redistest.Start(t)
	c, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	store := redisstore.New(c, "stall"+strconv.FormatInt(time.Now().UnixNano(), 36))
	slackSide := newSocketSlack(t)
	vendor := vendortest.New(t, vendortest.SecMasterEcho)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(bottest.HuaweiDeps(t, vendor.URL, "")), bot.Options{Logger: logger, Store: store})
	conn, _ := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger, Seen: store})
	slash := func(envelope string) map[string]string {
		return map[string]string{"command": "/incident", "text": "delete inc-1", "user_id": "U-ALICE", "user_name": "alice",
			"channel_id": "C-WAR", "response_url": slackSide.server.URL + "/response/" + envelope}
	}

	srv.Pause()
	paused := true
	defer func() {
		if paused {
			srv.Resume()
		}
	}()
	if err := conn.WriteJSON(map[string]any{"envelope_id": "p1", "type": "slash_commands", "payload": slash("p1"), "accepts_response_payload": true}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(3 * time.Second)) // Slack's wait for an ack
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	for ack.EnvelopeID != "p1" {
		if err := conn.ReadJSON(&ack); err != nil {
			t.Fatalf("no ack within Slack's 3 s with Redis paused: %v", err)
		}
	}
	t.Logf("acknowledged in %s with Redis paused", time.Since(start).Round(time.Millisecond))
	if got := string(ack.Payload); !strings.Contains(got, "cannot reach its store of confirmations") || strings.Contains(got, "confirm:") {
		t.Fatalf("the ack with Redis paused: %s", got)
	}

	srv.Resume()
	paused = false
	if got := string(exchange(t, conn, "p2", "slash_commands", slash("p2"))); !strings.Contains(got, "confirm:") {
		t.Fatalf("no confirmation once Redis answers again: %s", got)
	}
	if n := len(vendor.Requests()); n != 0 {
		t.Fatalf("%d vendor calls without a Confirm", n)
	}
}
