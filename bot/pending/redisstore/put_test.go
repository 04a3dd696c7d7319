package redisstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/commands"
)

// A Put that go-redis retries after its first try landed finds its own
// record and succeeds, even with the requester now at the limit, and
// leaves the record alone; another record under a taken token is refused
// and overwrites nothing.
func TestPutRetriedIsNotAnErrorAndATakenTokenIsRefused(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	l := pending.Limits{PerUser: 1, Total: 1}
	r := rec(alice, time.Minute)
	if err := s.Put(ctx, r, l); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, r, l); err != nil {
		t.Fatalf("the same Put again, at the limit it filled: %v", err)
	}
	other := r
	other.Words = []string{"delete", "inc-9999"}
	if err := s.Put(ctx, other, l); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("another record under a taken token: err = %v", err)
	}
	got, err := s.Get(ctx, r.Token)
	if err != nil || strings.Join(got.Words, " ") != "delete inc-1001 inc-1002" {
		t.Fatalf("the first record after a retry and a clash: %+v, %v", got, err)
	}
	if n, _ := s.Stats(ctx); n != 1 {
		t.Fatalf("Stats = %d after one record put three times, want 1", n)
	}
	if n := c.ZCard(ctx, "{"+p+"}:u:slack:U-ALICE").Val(); n != 1 {
		t.Fatalf("alice's set holds %d entries, want 1", n)
	}
}

// A Put refused by a limit leaves no record and no set entry behind.
func TestRefusedPutLeavesNothing(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	if err := s.Put(ctx, rec(alice, time.Minute), pending.Limits{PerUser: 1, Total: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, rec(bob, time.Minute), pending.Limits{PerUser: 1, Total: 2}); err != nil {
		t.Fatal(err)
	}
	var tm *pending.TooManyError
	perUser, total := rec(alice, time.Minute), rec(commands.Caller{Platform: "slack", UserID: "U-CAROL"}, time.Minute)
	if err := s.Put(ctx, perUser, pending.Limits{PerUser: 1, Total: 10}); !errors.As(err, &tm) || !tm.User || tm.Open != 1 {
		t.Fatalf("alice's second: err = %v", err)
	}
	if err := s.Put(ctx, total, pending.Limits{PerUser: 1, Total: 2}); !errors.As(err, &tm) || tm.User || tm.Open != 2 {
		t.Fatalf("past the total: err = %v", err)
	}
	for _, r := range []pending.Record{perUser, total} {
		if n := c.Exists(ctx, "{"+p+"}:r:"+r.Token).Val(); n != 0 {
			t.Fatalf("a refused record %s is stored", r.Token)
		}
		if err := c.ZScore(ctx, "{"+p+"}:due", r.Token).Err(); !errors.Is(err, redis.Nil) {
			t.Fatalf("a refused record %s has a deadline: %v", r.Token, err)
		}
	}
	if n := c.ZCard(ctx, "{"+p+"}:u:slack:U-ALICE").Val(); n != 1 {
		t.Fatalf("alice's set holds %d entries after a refusal, want 1", n)
	}
	if n := c.Exists(ctx, "{"+p+"}:u:slack:U-CAROL").Val(); n != 0 {
		t.Fatal("a refused requester got a set")
	}
}

// A record past its deadline that no sweep has expired yet holds no place
// under Limits.Total, but Stats counts it, as the memory store does, until
// Expire claims it.
func TestPastTheDeadlineHoldsNoPlaceAndCountsUntilExpired(t *testing.T) {
	c := client(t, redistest.Start(t))
	s := redisstore.New(c, prefix())
	l := pending.Limits{Total: 1}
	old := rec(alice, time.Minute)
	if err := s.Put(ctx, old, l); err != nil {
		t.Fatal(err)
	}
	later := rec(bob, time.Minute)
	later.CreatedAt, later.ExpiresAt = old.ExpiresAt, old.ExpiresAt.Add(time.Minute)
	if err := s.Put(ctx, later, l); err != nil {
		t.Fatalf("the only other record is past its deadline: %v", err)
	}
	third := rec(bob, time.Minute)
	third.CreatedAt, third.ExpiresAt = later.CreatedAt, later.ExpiresAt
	var tm *pending.TooManyError
	if err := s.Put(ctx, third, l); !errors.As(err, &tm) || tm.Open != 1 {
		t.Fatalf("past the total with one live record: err = %v", err)
	}
	if n, _ := s.Stats(ctx); n != 2 {
		t.Fatalf("Stats = %d before the sweep, want 2 (one past its deadline, still open)", n)
	}
	got, err := s.Expire(ctx, old.ExpiresAt, 10)
	if err != nil || len(got) != 1 || got[0].Token != old.Token {
		t.Fatalf("Expire: %+v, %v", got, err)
	}
	if n, _ := s.Stats(ctx); n != 1 {
		t.Fatalf("Stats = %d after the sweep, want 1", n)
	}
}

// A requester's set keeps no entry past its deadline once they put
// another, so records that vanished without a sweep (evicted) cannot make
// it grow; a settle takes its entry out at once.
func TestUserSetHoldsOnlyOpenEntries(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	key := "{" + p + "}:u:slack:U-ALICE"
	for i := 0; i < 5; i++ {
		r := rec(alice, time.Minute)
		if err := s.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		c.Del(ctx, "{"+p+"}:r:"+r.Token) // as if evicted: no sweep will claim it
	}
	next := rec(alice, time.Minute)
	next.CreatedAt, next.ExpiresAt = t0.Add(2*time.Minute), t0.Add(3*time.Minute)
	if err := s.Put(ctx, next, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	if got := c.ZRange(ctx, key, 0, -1).Val(); len(got) != 1 || got[0] != next.Token {
		t.Fatalf("alice's set after 5 leftovers and a new Put: %v, want only %s", got, next.Token)
	}
	if _, err := s.Settle(ctx, next.Token, pending.Move{From: []pending.State{pending.Pending}, To: pending.Cancelled,
		By: alice, At: next.CreatedAt, RequesterOnly: true}); err != nil {
		t.Fatal(err)
	}
	if n := c.ZCard(ctx, key).Val(); n != 0 {
		t.Fatalf("alice's set holds %d after her only open record was cancelled", n)
	}
}

// The requester's set lives as long as their longest-lived record: a
// shorter one does not cut its TTL, a longer one raises it, and a new set
// gets one.
func TestUserSetTTLOnlyRises(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	key := "{" + p + "}:u:slack:U-ALICE"
	near := func(ttl time.Duration) bool {
		d := c.PTTL(ctx, key).Val()
		want := ttl + pending.Retention // from the record's CreatedAt
		return d <= want && d > want-10*time.Second
	}
	for i, step := range []struct{ ttl, want time.Duration }{
		{time.Hour, time.Hour},
		{time.Minute, time.Hour},
		{2 * time.Hour, 2 * time.Hour},
	} {
		if err := s.Put(ctx, rec(alice, step.ttl), pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		if !near(step.want) {
			t.Fatalf("put %d (ttl %v): the set's TTL is %v, want about %v + retention", i, step.ttl, c.PTTL(ctx, key).Val(), step.want)
		}
	}
}

// oldPutBody is how the version before the merged due set stored a record
// (it also kept {prefix}:open): a replica still running it during a
// rolling upgrade.
const oldPutBody = `
local cur = redis.call('GET', KEYS[1])
if cur then
  if cur == ARGV[1] then return {0, 0} end
  return {3, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
local per = tonumber(ARGV[5])
if per > 0 then
  local n = redis.call('ZCARD', KEYS[2])
  if n >= per then return {1, n} end
end
local total = tonumber(ARGV[6])
if total > 0 then
  local n = redis.call('ZCARD', KEYS[3])
  if n >= total then return {2, n} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[7])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return {0, 0}
`

// In a fleet mid-upgrade, a record an older replica stored counts against
// this version's limits and Stats, and this version settles and expires it.
func TestRecordsOfAnOlderReplicaCountAndExpire(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	// A record as this version would encode it, stored by the old script.
	pp := prefix()
	probe := redisstore.New(c, pp)
	put := func(r pending.Record) {
		t.Helper()
		if err := probe.Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
		body := c.Get(ctx, "{"+pp+"}:r:"+r.Token).Val()
		tag := "{" + p + "}"
		err := redis.NewScript(oldPutBody).Run(ctx, c,
			[]string{tag + ":r:" + r.Token, tag + ":u:slack:U-ALICE", tag + ":open", tag + ":due"},
			body, (r.ExpiresAt.Sub(r.CreatedAt) + pending.Retention).Milliseconds(), r.CreatedAt.UnixMicro(), r.ExpiresAt.UnixMicro(), 0, 0, r.Token).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	cancelled, expiring := rec(alice, time.Minute), rec(alice, time.Minute)
	put(cancelled)
	put(expiring)
	var tm *pending.TooManyError
	if err := s.Put(ctx, rec(alice, time.Minute), pending.Limits{PerUser: 2}); !errors.As(err, &tm) || !tm.User || tm.Open != 2 {
		t.Fatalf("alice's third, two stored by an older replica: err = %v", err)
	}
	if err := s.Put(ctx, rec(bob, time.Minute), pending.Limits{Total: 2}); !errors.As(err, &tm) || tm.User || tm.Open != 2 {
		t.Fatalf("past the total, two stored by an older replica: err = %v", err)
	}
	if n, _ := s.Stats(ctx); n != 2 {
		t.Fatalf("Stats = %d, want the older replica's 2", n)
	}
	if _, err := s.Settle(ctx, cancelled.Token, pending.Move{From: []pending.State{pending.Pending}, To: pending.Cancelled,
		By: alice, At: t0, RequesterOnly: true}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Expire(ctx, expiring.ExpiresAt, 10)
	if err != nil || len(got) != 1 || got[0].Token != expiring.Token {
		t.Fatalf("Expire of an older replica's record: %+v, %v", got, err)
	}
	if n, _ := s.Stats(ctx); n != 0 {
		t.Fatalf("Stats = %d after both left, want 0", n)
	}
	if n := c.ZCard(ctx, "{"+p+"}:u:slack:U-ALICE").Val(); n != 0 {
		t.Fatalf("alice's set holds %d after both left", n)
	}
}
