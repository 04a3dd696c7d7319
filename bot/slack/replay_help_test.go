package slack_test

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// commandCounter counts the commands a Redis client sends.
type commandCounter struct{ n atomic.Int64 }

func (h *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(int64(len(cmds))); return next(ctx, cmds) }
}

// TestHelpOnRedisCostsNoStoreOperationEvenReplayed: help answers the
// text anyone may read, so the same signed help sent twice is answered
// twice and Redis is not asked at all; the same signed delete sent twice
// still makes one confirmation.
func TestHelpOnRedisCostsNoStoreOperationEvenReplayed(t *testing.T) {
	srv := redistest.Start(t)
	client, err := redisstore.Open("redis://" + srv.Addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	count := &commandCounter{}
	client.AddHook(count)
	store := redisstore.New(client, "test")
	f := newFixtureWith(t, fixtureOptions{seen: store, options: []func(*fixture, *bot.Options){func(_ *fixture, o *bot.Options) { o.Store = store }}})

	help := url.Values{"command": {"/incident"}, "text": {"help"}, "user_id": {"U-ALICE"}, "channel_id": {"C-WAR"},
		"response_url": {f.slackAPI.URL + "/response/h"}, "replay": {"1"}}
	for i := range 2 {
		status, body := f.post(t, "/slack/commands", help, nil)
		if status != 200 || !strings.Contains(body, "incidentbot commands") {
			t.Fatalf("help, sent %d times: %d %q, want the help text", i+1, status, body)
		}
	}
	if n := count.n.Load(); n != 0 {
		t.Errorf("help made %d Redis commands, want none", n)
	}

	del := url.Values{"command": {"/incident"}, "text": {"delete inc-1"}, "user_id": {"U-ALICE"}, "channel_id": {"C-WAR"},
		"response_url": {f.slackAPI.URL + "/response/d"}, "replay": {"1"}}
	if _, body := f.post(t, "/slack/commands", del, nil); !strings.Contains(body, "confirm:") {
		t.Fatalf("delete: %q, want a confirmation", body)
	}
	if _, body := f.post(t, "/slack/commands", del, nil); strings.Contains(body, "confirm:") {
		t.Errorf("the same signed delete again made a second confirmation: %q", body)
	}
	if n, err := store.Stats(context.Background()); err != nil || n != 1 {
		t.Errorf("open confirmations on Redis: %d (%v), want 1", n, err)
	}
}
