package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/pendingtest"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/commands"
)

var (
	ctx   = context.Background()
	alice = commands.Caller{Platform: "slack", UserID: "U-ALICE", Name: "alice"}
	bob   = commands.Caller{Platform: "slack", UserID: "U-BOB", Name: "bob"}
	t0    = time.Now().Truncate(time.Second)
	seq   atomic.Int64
)

// client opens a new client (a "replica") to srv, closed when t ends.
func client(t testing.TB, srv *redistest.Server) redis.UniversalClient {
	t.Helper()
	c, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefix is a key prefix no other test uses, so tests share a server.
func prefix() string { return fmt.Sprintf("test%d", seq.Add(1)) }

func rec(who commands.Caller, ttl time.Duration) pending.Record {
	return pending.Record{
		Token: fmt.Sprintf("tok-%d", seq.Add(1)), Words: []string{"delete", "inc-1001", "inc-1002"},
		Requester: who, Channel: "C-WAR", Message: "https://hooks.slack.com/actions/T0/1/abc", Count: 2,
		CreatedAt: t0, ExpiresAt: t0.Add(ttl),
	}
}

func confirm(by commands.Caller, at time.Time) pending.Move {
	return pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, By: by, At: at, RequesterOnly: true}
}

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	pendingtest.Run(t, func(*testing.T) pending.Store { return redisstore.New(c, prefix()) })
}

func TestReplayCheckerConformance(t *testing.T) {
	c := client(t, redistest.Start(t))
	pendingtest.RunReplays(t, func(*testing.T) pendingtest.Replays { return redisstore.New(c, prefix()) })
}

func TestValuesAndRunsConformance(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	pendingtest.RunValues(t, func(*testing.T) pending.Values { return redisstore.New(c, prefix()) })
	pendingtest.RunRuns(t, func(*testing.T) pending.Runs { return redisstore.New(c, prefix()) })
}

func TestSharedConformance(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	pendingtest.RunShared(t, func(*testing.T) (pending.OnceSet, pending.Leases) {
		s := redisstore.New(c, prefix())
		return s, s
	})
}

// replicas returns n stores with the same prefix, each on its own client.
func replicas(t *testing.T, srv *redistest.Server, n int) []*redisstore.Store {
	p := prefix()
	var out []*redisstore.Store
	for i := 0; i < n; i++ {
		out = append(out, redisstore.New(client(t, srv), p))
	}
	return out
}

func TestRequestedOnOneReplicaConfirmedOnAnother(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, srv, 2)
	r := rec(alice, time.Minute)
	if err := rs[0].Put(ctx, r, pending.Limits{PerUser: 5}); err != nil {
		t.Fatal(err)
	}
	got, err := rs[1].Settle(ctx, r.Token, confirm(alice, t0.Add(time.Second)))
	if err != nil || got.State != pending.Confirmed || got.ConfirmedBy != alice || got.Message != r.Message {
		t.Fatalf("settled on the second replica: %+v, %v", got, err)
	}
	_, err = rs[0].Settle(ctx, r.Token, confirm(alice, t0.Add(2*time.Second)))
	var se *pending.SettledError
	if !errors.As(err, &se) || se.State != pending.Confirmed || se.By != alice {
		t.Fatalf("second click on the first replica: %v", err)
	}
	if n, _ := rs[0].Stats(ctx); n != 0 {
		t.Fatalf("open = %d after the confirm", n)
	}
}

func TestConcurrentClicksOverThreeClients(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, srv, 3)
	r := rec(alice, time.Minute)
	if err := rs[0].Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	const clicks = 200
	var won, refused atomic.Int32
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			_, err := rs[i%3].Settle(ctx, r.Token, confirm(alice, t0.Add(time.Second)))
			var se *pending.SettledError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &se):
				refused.Add(1)
			default:
				t.Errorf("click %d: %v", i, err)
			}
		}(i)
	}
	close(gate)
	wg.Wait()
	if won.Load() != 1 || refused.Load() != clicks-1 {
		t.Fatalf("%d clicks over 3 clients: %d confirmed, %d refused; want exactly 1 confirm", clicks, won.Load(), refused.Load())
	}
}

func TestConcurrentPutsKeepTheLimit(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, srv, 3)
	l := pending.Limits{PerUser: 5, Total: 8}
	var stored, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who := alice
			if i%2 == 1 {
				who = bob
			}
			err := rs[i%3].Put(ctx, rec(who, time.Minute), l)
			var tm *pending.TooManyError
			switch {
			case err == nil:
				stored.Add(1)
			case errors.As(err, &tm):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if n, _ := rs[0].Stats(ctx); stored.Load() != 8 || n != 8 {
		t.Fatalf("60 concurrent puts under limits %+v: %d stored, open = %d; want 8", l, stored.Load(), n)
	}
}

func TestExpireFromThreeClients(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, srv, 3)
	const n = 300
	for i := 0; i < n; i++ {
		if err := rs[i%3].Put(ctx, rec(alice, time.Duration(i+1)*time.Millisecond), pending.Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for empty := 0; empty < 3; {
				got, err := rs[w%3].Expire(ctx, t0.Add(time.Hour), 10)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					empty++
				}
				mu.Lock()
				for _, r := range got {
					seen[r.Token]++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d expiries reported", len(seen), n)
	}
	for tok, c := range seen {
		if c != 1 {
			t.Fatalf("%s reported %d times", tok, c)
		}
	}
	if open, _ := rs[1].Stats(ctx); open != 0 {
		t.Fatalf("open = %d", open)
	}
}

// A store written by a process that is gone is expired by another.
func TestExpiryOutlivesTheCreator(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	c1, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	r := rec(alice, time.Minute)
	if err := redisstore.New(c1, p).Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	_ = c1.Close()
	s2 := redisstore.New(client(t, srv), p)
	got, err := s2.Expire(ctx, r.ExpiresAt, 10)
	if err != nil || len(got) != 1 || got[0].Token != r.Token || got[0].Message != r.Message || got[0].State != pending.Expired {
		t.Fatalf("expired by another process: %+v, %v", got, err)
	}
}

func TestTTLs(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	p := prefix()
	s := redisstore.New(c, p)
	r := rec(alice, 5*time.Minute)
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	key := "{" + p + "}:r:" + r.Token
	want := 5*time.Minute + pending.Retention
	near := func(d time.Duration) bool { return d <= want && d > want-10*time.Second }
	if d := c.PTTL(ctx, key).Val(); !near(d) {
		t.Fatalf("TTL after Put = %v, want about %v", d, want)
	}
	if _, err := s.Settle(ctx, r.Token, confirm(alice, t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	if d := c.PTTL(ctx, key).Val(); !near(d) {
		t.Fatalf("TTL after Settle = %v, want it kept at about %v", d, want)
	}
	// The per-user set lapses too, should the sweeper never run.
	if d := c.PTTL(ctx, "{"+p+"}:u:slack:U-ALICE").Val(); d != -2 && !near(d) {
		t.Fatalf("per-user set TTL = %v", d)
	}
}

// An entry left behind (its record evicted, or never swept) cannot hold a
// requester's place past its deadline, and Expire forgets it.
func TestLeftoversDoNotPinTheQuota(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	p := prefix()
	s := redisstore.New(c, p)
	l := pending.Limits{PerUser: 1}
	old := rec(alice, time.Minute)
	if err := s.Put(ctx, old, l); err != nil {
		t.Fatal(err)
	}
	c.Del(ctx, "{"+p+"}:r:"+old.Token) // as if evicted
	later := rec(alice, time.Minute)
	var tm *pending.TooManyError
	if err := s.Put(ctx, later, l); !errors.As(err, &tm) {
		t.Fatalf("within the deadline the place is still held: %v", err)
	}
	later.CreatedAt, later.ExpiresAt = old.ExpiresAt, old.ExpiresAt.Add(time.Minute)
	if err := s.Put(ctx, later, l); err != nil {
		t.Fatalf("past the leftover's deadline: %v", err)
	}
	if got, err := s.Expire(ctx, old.ExpiresAt, 10); err != nil || len(got) != 0 {
		t.Fatalf("Expire of an evicted record: %v, %v", got, err)
	}
	if n := c.ZCard(ctx, "{"+p+"}:due").Val(); n != 1 {
		t.Fatalf("due set holds %d, want only the live one", n)
	}
}

func TestRedisDownFailsThenRecovers(t *testing.T) {
	srv := redistest.Start(t)
	s := redisstore.New(client(t, srv), prefix())
	r := rec(alice, time.Minute)
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for name, call := range map[string]func() error{
		"Put":    func() error { return s.Put(ctx, rec(alice, time.Minute), pending.Limits{}) },
		"Settle": func() error { _, err := s.Settle(ctx, r.Token, confirm(alice, t0)); return err },
		"Expire": func() error { _, err := s.Expire(ctx, t0.Add(time.Hour), 10); return err },
		"Ping":   func() error { return s.Ping(ctx) },
		"Lease":  func() error { _, err := s.Lease(ctx, "gw", "me", time.Second); return err },
	} {
		start := time.Now()
		err := call()
		took := time.Since(start)
		t.Logf("%s with Redis down: %v after %v", name, err, took.Round(time.Millisecond))
		if err == nil || errors.Is(err, pending.ErrUnknownToken) {
			t.Fatalf("%s with Redis down: err = %v, want a Redis error", name, err)
		}
		if took > 2*time.Second {
			t.Fatalf("%s with Redis down took %v", name, took)
		}
	}
	srv.Restart() // empty: the test server keeps nothing
	r2 := rec(alice, time.Minute)
	if err := s.Put(ctx, r2, pending.Limits{}); err != nil {
		t.Fatalf("Put after Redis came back, same client: %v", err)
	}
	if _, err := s.Settle(ctx, r2.Token, confirm(alice, t0.Add(time.Second))); err != nil {
		t.Fatalf("Settle after Redis came back: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestParseURL(t *testing.T) {
	o, err := redisstore.ParseURL("rediss://bot:s%40cret@redis.internal:6380/3?read_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if o.Username != "bot" || o.Password != "s@cret" || o.DB != 3 || o.Addrs[0] != "redis.internal:6380" ||
		o.TLSConfig == nil || o.TLSConfig.ServerName != "redis.internal" || o.ReadTimeout != 2*time.Second || o.DialTimeout != redisstore.DefaultDialTimeout {
		t.Fatalf("parsed %+v", o)
	}
	o, err = redisstore.ParseURL("redis://:pw@h")
	if err != nil || o.Password != "pw" || o.Username != "" || o.Addrs[0] != "h:6379" || o.TLSConfig != nil {
		t.Fatalf("password only, default port: %+v, %v", o, err)
	}
	o, err = redisstore.ParseURL("redis://secret@h:1")
	if err != nil || o.Password != "secret" || o.Username != "" {
		t.Fatalf("lone userinfo is the password: %+v, %v", o, err)
	}
	// Credentials are split off at the last @, so unescaped / ? : in a
	// password do no harm.
	o, err = redisstore.ParseURL("redis://u:p/a?s:s@h:1")
	if err != nil || o.Username != "u" || o.Password != "p/a?s:s" || o.Addrs[0] != "h:1" {
		t.Fatalf("unescaped password: %+v, %v", o, err)
	}
	o, err = redisstore.ParseURL("redis://h1:7000?addr=h2:7000&addr=h3:7000")
	if err != nil || strings.Join(o.Addrs, ",") != "h1:7000,h2:7000,h3:7000" {
		t.Fatalf("cluster: %+v, %v", o, err)
	}
	o, err = redisstore.ParseURL("redis://:pw@s1:26379/0?addr=s2:26379&master_name=mymaster")
	if err != nil || o.MasterName != "mymaster" || len(o.Addrs) != 2 {
		t.Fatalf("sentinel: %+v, %v", o, err)
	}
	// How many replicas a settle waits for: one by default with Sentinel,
	// none otherwise, as the URL says when it says.
	for url, want := range map[string]int{
		"redis://h": 0,
		"redis://h1:7000?addr=h2:7000&addr=h3:7000":      0,
		"redis://s1:26379?master_name=m":                 1,
		"redis://s1:26379?master_name=m&wait_replicas=0": 0,
		"redis://h1:7000?addr=h2:7000&wait_replicas=2":   2,
	} {
		o, err := redisstore.ParseOptions(url)
		if err != nil || o.WaitReplicas != want || o.WaitTimeout != redisstore.DefaultWaitTimeout {
			t.Errorf("%s: waits for %d replicas for %s (%v); want %d for %s", url, o.WaitReplicas, o.WaitTimeout, err, want, redisstore.DefaultWaitTimeout)
		}
	}
	if o, err := redisstore.ParseOptions("redis://h?wait_timeout=100ms&read_timeout=1s"); err != nil || o.WaitTimeout != 100*time.Millisecond {
		t.Errorf("wait_timeout: %+v, %v", o, err)
	}

	const secret = "hunter2-TOPSECRET"
	for _, bad := range []string{
		"http://u:" + secret + "@h:6379",
		"redis://u:" + secret + "@h:notaport",
		"redis://u:" + secret + "@h:6379/db1",
		"redis://u:" + secret + "%zz@h:6379",
		"redis://u:" + secret + "@/0",
		"redis://u:" + secret + "@h:6379?timeout=1s",
		"redis://u:" + secret + "@h:6379?read_timeout=soon",
		"redis://u:" + secret + "@h1:1/2?addr=h2:1",
		"redis://u:" + secret + "@h:6379 /0",
		"redis://u:" + secret + "@h:6379?wait_replicas=-1",
		"redis://u:" + secret + "@h:6379?wait_timeout=1s", // not shorter than read_timeout
		secret,
	} {
		_, err := redisstore.ParseURL(bad)
		if err == nil {
			t.Errorf("%q: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "hunt") {
			t.Errorf("the error shows the password: %v", err)
		}
		t.Logf("%v", err)
	}
}
