package slack_test

import (
	"bytes"
	"net/url"
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

// FuzzSlackInteraction posts signed random interaction payloads and slash
// commands: whatever arrives, the handler answers with a status Slack
// understands and nothing panics (not even behind the recover).
func FuzzSlackInteraction(f *testing.F) {
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"actions":[{"action_id":"confirm:abc"}]}`, "delete inc-1")
	f.Add(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"incident:create","private_metadata":"{\"values\":null}","state":{"values":{"title":{"value":{"value":"x"}}}}}}`, "create")
	f.Add(`{"type":"block_actions","actions":[]}`, "")
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"form:verify:IM1"}]}`, "verify IM1 --pass --comment \xff")
	f.Add(`null`, "--")
	watch := &panicWatch{}
	fx := newFixtureWith(f, fixtureOptions{logs: watch})
	f.Fuzz(func(t *testing.T, payload, text string) {
		status, _ := fx.post(t, "/slack/interactions", url.Values{"payload": {payload}}, nil)
		if status != 200 && status != 400 {
			t.Fatalf("interaction answered %d", status)
		}
		status, _ = fx.post(t, "/slack/commands", url.Values{"command": {"/incident"}, "text": {text}, "user_id": {"U1"}, "channel_id": {"C1"}}, nil)
		if status != 200 {
			t.Fatalf("command answered %d", status)
		}
		fx.adapter.Wait()
		if watch.seen.Load() {
			t.Fatalf("a panic was recovered for payload %q text %q", payload, text)
		}
	})
}
