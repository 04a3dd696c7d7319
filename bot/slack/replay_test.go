package slack_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
)

func TestReplayWithTheSignatureReCasedDoesNothing(t *testing.T) {
	f := newFixture(t)
	form := url.Values{"command": {"/incident"}, "text": {"delete inc-1"}, "user_id": {"U-ALICE"}, "user_name": {"alice"},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/r"}, "trigger_id": {"t"}, "replay": {"1"}}
	ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
	spell := func(recase func(string) string) func(http.Header, []byte) {
		return func(h http.Header, b []byte) {
			sig := slackbot.Sign([]byte(secret), ts, b)
			h.Set("X-Slack-Request-Timestamp", ts)
			h.Set("X-Slack-Signature", "v0="+recase(strings.TrimPrefix(sig, "v0=")))
		}
	}
	if status, body := f.post(t, "/slack/commands", form, spell(func(s string) string { return s })); status != 200 || !strings.Contains(body, "confirm:") {
		t.Fatalf("first: %d %s", status, body)
	}
	for name, recase := range map[string]func(string) string{"upper case": strings.ToUpper, "mixed case": func(s string) string { return strings.ToUpper(s[:10]) + s[10:] }} {
		if _, body := f.post(t, "/slack/commands", form, spell(recase)); strings.Contains(body, "confirm:") {
			t.Errorf("a replay with the signature in %s made a new confirmation: %s", name, body)
		}
	}
}

// stallingProxy forwards TCP to Redis; armed, it holds back the answer to
// the next command that touches a replay key for longer than the client's
// read timeout, as a Redis that pauses after writing would.
type stallingProxy struct {
	l     net.Listener
	armed atomic.Bool
}

func startStallingProxy(t *testing.T, target string) *stallingProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			stall := make(chan struct{}, 1)
			go func() {
				defer r.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if bytes.Contains(buf[:n], []byte(":seen:")) && p.armed.CompareAndSwap(true, false) {
							stall <- struct{}{}
						}
						if _, err := r.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := r.Read(buf)
					if n > 0 {
						select {
						case <-stall:
							time.Sleep(1500 * time.Millisecond)
						default:
						}
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

func TestARetriedReplayCacheWriteIsNotAReplayOfItself(t *testing.T) {
	srv := redistest.Start(t)
	proxy := startStallingProxy(t, srv.Addr)
	client, err := redisstore.Open("redis://" + proxy.l.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	store := redisstore.New(client, "test")
	if _, err := store.SeenOnce(context.Background(), "warm-up", time.Minute); err != nil { // connects and loads what it needs
		t.Fatal(err)
	}
	f := newFixtureWith(t, fixtureOptions{seen: store})
	proxy.armed.Store(true)
	status, body := f.slash(t, "U-ALICE", "delete inc-1 inc-2")
	if proxy.armed.Load() {
		t.Fatal("the proxy never held an answer back: the test proves nothing")
	}
	if status != 200 || !strings.Contains(body, "confirm:") {
		t.Fatalf("a command whose replay-cache write was retried got %d %q, want its confirmation", status, body)
	}
}
