package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// panicWatch is a log destination that only notes a recovered panic: a
// fuzz target must find panics even though every entry recovers them.
type panicWatch struct{ seen atomic.Bool }

func (p *panicWatch) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("recovered from a panic")) {
		p.seen.Store(true)
	}
	return len(b), nil
}

// FuzzDiscordInteraction posts signed random interaction bodies: whatever
// arrives, the endpoint answers 200 or 400 and nothing panics (not even
// behind the recover).
func FuzzDiscordInteraction(f *testing.F) {
	for _, seed := range []string{
		`{"type":1}`,
		`{"type":2,"id":"1","token":"t","member":{"user":{"id":"U1"}},"data":{"name":"incident","options":[{"name":"delete","type":1,"options":[{"name":"ids","type":3,"value":"inc-1"}]}]}}`,
		`{"type":2,"id":"1","token":"t","user":{"id":"U1"},"data":{"name":"incident","options":[{"name":"verify","type":1,"options":[{"name":"ticket","type":4,"value":5},null]}]}}`,
		`{"type":3,"id":"1","token":"t","user":{"id":"U1"},"data":{"custom_id":"confirm:abc","component_type":2}}`,
		`{"type":5,"id":"1","token":"t","user":{"id":"U1"},"data":{"custom_id":"form:create:k","components":[{"type":1,"components":[{"type":4,"custom_id":"title","value":"x"}]}]}}`,
		`{"type":2,"data":null}`,
	} {
		f.Add([]byte(seed))
	}
	watch := &panicWatch{}
	fx := newFixtureLogs(f, watch)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, fx.server.URL+"/discord/interactions", bytes.NewReader(body))
		ts := strconv.FormatInt(fx.clock.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(fx.key, append([]byte(ts), body...))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// 401: the same body twice is a replay (the fuzzer repeats inputs).
		if resp.StatusCode != 200 && resp.StatusCode != 400 && resp.StatusCode != 401 {
			t.Fatalf("answered %d", resp.StatusCode)
		}
		fx.adapter.Wait()
		if watch.seen.Load() {
			t.Fatalf("a panic was recovered for %q", body)
		}
	})
}
