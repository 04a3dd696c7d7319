package redisstore_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// A Redis user whose ACL is the common "+@all -@dangerous" may run
// every command the store uses, but not INFO (it is @dangerous). Ping must
// not report such a Redis as down for ever.
func TestPingOnAUserWithoutINFOPermission(t *testing.T) {
	srv := redistest.Start(t)
	admin := open(t, srv.URL())
	if err := admin.Do(ctx, "ACL", "SETUSER", "bot", "on", ">pw", "~*", "&*", "+@all", "-@dangerous").Err(); err != nil {
		t.Fatal(err)
	}
	c := open(t, "redis://bot:pw@"+strings.TrimPrefix(srv.URL(), "redis://"))
	s := redisstore.New(c, prefix())
	if err := c.Set(ctx, "x", "y", 0).Err(); err != nil {
		t.Fatalf("ordinary commands: %v", err)
	}
	if err := s.Put(ctx, rec(alice, 60e9), pendingLimits()); err != nil {
		t.Fatalf("Put as bot: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping with Redis answering every store command: %v", err)
	}
}

func pendingLimits() pending.Limits { return pending.Limits{PerUser: 5, Total: 10} }
