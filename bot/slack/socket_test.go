package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// socketSlack stands in for Slack's side of Socket Mode: apps.connections.open
// hands out a WebSocket URL, and the test sends envelopes over it and reads
// the acknowledgements.
type socketSlack struct {
	server *httptest.Server
	conns  chan *websocket.Conn
	posts  atomic.Int64 // posts to response_url
}

func newSocketSlack(t *testing.T) *socketSlack {
	s := &socketSlack{conns: make(chan *websocket.Conn, 4)}
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // slack-go sends Slack's origin
	mux := http.NewServeMux()
	mux.HandleFunc("/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer xapp-test" {
			vendortest.Reply(w, 200, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.server.URL, "http") + "/ws"})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		_ = c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
		s.conns <- c
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/response/") {
			s.posts.Add(1)
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true})
	})
	s.server = httptest.NewServer(mux)
	t.Cleanup(s.server.Close)
	return s
}

// exchange sends one envelope and returns the payload of its ack.
func exchange(t *testing.T, c *websocket.Conn, id, typ string, payload any) json.RawMessage {
	t.Helper()
	return exchangeTry(t, c, id, typ, payload, 0)
}

// exchangeTry is exchange of a delivery Slack numbers retry (0: the first).
func exchangeTry(t *testing.T, c *websocket.Conn, id, typ string, payload any, retry int) json.RawMessage {
	t.Helper()
	env := map[string]any{"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": true, "retry_attempt": retry}
	if retry > 0 {
		env["retry_reason"] = "timeout"
	}
	if err := c.WriteJSON(env); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := c.ReadJSON(&ack); err != nil {
			t.Fatalf("no ack for %s: %v", id, err)
		}
		if ack.EnvelopeID == id {
			return ack.Payload
		}
	}
}

func TestSocketModeAcksEveryEnvelope(t *testing.T) {
	slackSide := newSocketSlack(t)
	vendor := vendortest.New(t, vendortest.SecMasterEcho)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(bottest.HuaweiDeps(t, vendor.URL, "")), bot.Options{Logger: logger})
	conn, a := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger})
	defer conn.Close()

	ack := exchange(t, conn, "e1", "slash_commands", map[string]string{"command": "/incident", "text": "delete inc-1 inc-2",
		"user_id": "U-ALICE", "user_name": "alice", "channel_id": "C-WAR", "response_url": slackSide.server.URL + "/response/1"})
	var msg struct {
		Blocks []struct {
			Elements []struct {
				ActionID string `json:"action_id"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(ack, &msg); err != nil {
		t.Fatalf("slash command ack = %s", ack)
	}
	var confirmID string
	for _, b := range msg.Blocks {
		for _, e := range b.Elements {
			if strings.HasPrefix(e.ActionID, "confirm:") {
				confirmID = e.ActionID
			}
		}
	}
	if confirmID == "" {
		t.Fatalf("the ack carries no confirmation: %s", ack)
	}

	exchange(t, conn, "e2", "interactive", map[string]any{"type": "block_actions", "user": map[string]string{"id": "U-ALICE", "name": "alice"},
		"channel": map[string]string{"id": "C-WAR"}, "response_url": slackSide.server.URL + "/response/2",
		"actions": []map[string]string{{"action_id": confirmID, "block_id": "buttons", "type": "button"}}})
	a.Wait()
	if n := len(vendor.Requests()); n != 1 {
		t.Fatalf("vendor calls after a Socket Mode confirm = %d, want 1", n)
	}
}

// socketBot runs a Socket Mode adapter against slackSide and returns the
// first connection, the vendor and the adapter.
func socketBot(t *testing.T, slackSide *socketSlack) (*websocket.Conn, *vendortest.Server, *slackbot.Adapter) {
	t.Helper()
	vendor := vendortest.New(t, vendortest.SecMasterEcho)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(commands.New(bottest.HuaweiDeps(t, vendor.URL, "")), bot.Options{Logger: logger})
	conn, a := runSocket(t, slackSide, slackbot.Options{Bot: b, Logger: logger})
	return conn, vendor, a
}

// runSocket runs a Socket Mode adapter with o (its tokens and API URL set
// to slackSide's) until the test ends, and returns its first connection.
func runSocket(t *testing.T, slackSide *socketSlack, o slackbot.Options) (*websocket.Conn, *slackbot.Adapter) {
	t.Helper()
	o.BotToken, o.AppToken, o.APIURL = "xoxb-test", "xapp-test", slackSide.server.URL+"/api/"
	a := slackbot.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.RunSocketMode(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return nextConn(t, slackSide), a
}

func nextConn(t *testing.T, slackSide *socketSlack) *websocket.Conn {
	t.Helper()
	select {
	case c := <-slackSide.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("the bot never (re)connected")
		return nil
	}
}

func TestSocketModeRedeliveriesAreAckedAndNotRunAgain(t *testing.T) {
	slackSide := newSocketSlack(t)
	conn, vendor, a := socketBot(t, slackSide)
	slash := map[string]string{"command": "/incident", "text": "delete inc-1 inc-2",
		"user_id": "U-ALICE", "user_name": "alice", "channel_id": "C-WAR", "response_url": slackSide.server.URL + "/response/1"}
	confirm := confirmAction.FindStringSubmatch(string(exchange(t, conn, "e1", "slash_commands", slash)))
	if confirm == nil {
		t.Fatal("the slash command made no confirmation")
	}
	click := map[string]any{"type": "block_actions", "user": map[string]string{"id": "U-ALICE", "name": "alice"},
		"channel": map[string]string{"id": "C-WAR"}, "response_url": slackSide.server.URL + "/response/2",
		"actions": []map[string]string{{"action_id": confirm[1], "block_id": "buttons", "type": "button"}}}
	exchange(t, conn, "e2", "interactive", click)
	a.Wait()
	posts := slackSide.posts.Load()

	// A reconnect storm: Slack drops the connection three times in a row;
	// the bot reconnects each time.
	for range 3 {
		conn.Close()
		conn = nextConn(t, slackSide)
	}
	// Malformed envelopes do not end the connection or the process.
	_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"interactive","envelope_id":"bad-1","payload":[1,2`))
	_ = conn.WriteJSON(map[string]any{"type": "interactive", "envelope_id": "bad-2", "payload": "not an object"})
	_ = conn.WriteJSON(map[string]any{"type": "slash_commands", "envelope_id": "bad-3", "payload": map[string]any{"user_id": 7}})

	// Slack re-delivers both envelopes on the new connection.
	if ack := exchangeTry(t, conn, "e1", "slash_commands", slash, 1); strings.Contains(string(ack), "confirm:") {
		t.Errorf("a re-delivered slash command made another confirmation: %s", ack)
	}
	exchangeTry(t, conn, "e2", "interactive", click, 2)
	a.Wait()
	if n := len(vendor.Requests()); n != 1 {
		t.Errorf("vendor calls = %d, want 1", n)
	}
	if n := slackSide.posts.Load(); n != posts {
		t.Errorf("the re-delivered click posted %d more messages, want none", n-posts)
	}

	// The connection still serves new envelopes.
	if ack := exchange(t, conn, "e3", "slash_commands", slash); !strings.Contains(string(ack), "confirm:") {
		t.Fatalf("a new slash command after the storm was answered %s", ack)
	}
}
