package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// pausedRedisFixture is the fixture with its confirmations on a real
// redis-server, which the test pauses (SIGSTOP) as a frozen VM would.
func pausedRedisFixture(t *testing.T) (*fixture, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	c, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	store := redisstore.New(c, "stall"+strconv.FormatInt(time.Now().UnixNano(), 36))
	f := newFixture(t, func(o *bot.Options) { o.Store = store })
	return f, srv
}

// A slash command with Redis paused is answered within Discord's 3 s
// (the client gives up then), saying that the store cannot be reached,
// and makes no confirmation; once Redis answers, the same adapter makes
// one again.
func TestRedisPausedInteractionIsAnsweredWithinDiscordsDeadline(t *testing.T) {
	f, srv := pausedRedisFixture(t)
	srv.Pause()
	paused := true
	defer func() {
		if paused {
			srv.Resume()
		}
	}()
	body, _ := json.Marshal(slash("p1", "U-ALICE", "delete", map[string]any{"ids": "inc-1"}))
	req, _ := http.NewRequest(http.MethodPost, f.server.URL+"/discord/interactions", bytes.NewReader(body))
	ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), body...))))
	start := time.Now()
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer within Discord's 3 s with Redis paused: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("answered in %s with Redis paused", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(string(answer), "cannot reach its store of confirmations") || strings.Contains(string(answer), "confirm:") {
		t.Fatalf("with Redis paused the answer was: %s", answer)
	}

	// The gateway path: its initial response says the same.
	raw, _ := json.Marshal(slash("p2", "U-ALICE", "delete", map[string]any{"ids": "inc-1"}))
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatal(err)
	}
	f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &i})
	callbacks := f.rest(http.MethodPost, api+"/interactions/p2/tok-p2/callback")
	if len(callbacks) != 1 || !strings.Contains(string(callbacks[0].Body), "cannot reach its store of confirmations") {
		t.Fatalf("gateway callbacks with Redis paused: %v", callbacks)
	}

	srv.Resume()
	paused = false
	f.confirmation(t, "U-ALICE")
	f.adapter.Wait()
	if f.deletes() != 0 {
		t.Fatal("a vendor call without a Confirm")
	}
}
