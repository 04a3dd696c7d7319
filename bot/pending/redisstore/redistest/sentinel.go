package redistest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelHint says how to get redis-sentinel, for skip messages.
const SentinelHint = "redis-sentinel is not installed, so the Sentinel tests are skipped; install it (Debian/Ubuntu: apt-get install redis-sentinel) to run them"

// MasterName is the name the sentinels of StartSentinel watch.
const MasterName = "incidentbot"

// Sentinel is a primary, its replica and three sentinels watching them,
// each a process on a free loopback port, all stopped when the test ends.
type Sentinel struct {
	// Servers are the primary and the replica as started; after a
	// failover their roles are swapped (Primary says which is primary).
	Servers   [2]*Server
	Sentinels [3]*Server
	t         testing.TB
}

// StartSentinel starts a primary, a replica of it and three sentinels
// (quorum 2, a primary is judged down after 1 s), and waits until the
// replica is in sync and the sentinels know each other and the replica, so
// that a failover can start at once.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	sbin := lookPath(t, "redis-sentinel", SentinelHint)
	primary := Start(t)
	_, pport, _ := net.SplitHostPort(primary.Addr)
	replica := startWith(t, &Server{bin: primary.bin, args: []string{"--replicaof", "127.0.0.1", pport}})
	s := &Sentinel{Servers: [2]*Server{primary, replica}, t: t}
	conf := "port %s\nbind 127.0.0.1\ndaemonize no\nloglevel warning\n" +
		"sentinel monitor " + MasterName + " 127.0.0.1 " + pport + " 2\n" +
		"sentinel down-after-milliseconds " + MasterName + " 1000\n" +
		"sentinel failover-timeout " + MasterName + " 4000\n" +
		"sentinel parallel-syncs " + MasterName + " 1\n"
	for i := range s.Sentinels {
		s.Sentinels[i] = startWith(t, &Server{bin: sbin, sentinel: conf})
	}
	s.await("the replica in sync and the sentinels acquainted", 30*time.Second, func(ctx context.Context) bool {
		r := redis.NewClient(&redis.Options{Addr: replica.Addr})
		defer r.Close()
		info, err := r.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "master_link_status:up") {
			return false
		}
		for _, sn := range s.Sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
			peers, err1 := c.Sentinels(ctx, MasterName).Result()
			replicas, err2 := c.Replicas(ctx, MasterName).Result()
			_ = c.Close()
			if err1 != nil || err2 != nil || len(peers) < 2 || len(replicas) < 1 {
				return false
			}
		}
		return true
	})
	return s
}

// URL is the bot's Sentinel URL: the sentinels' addresses and the master
// name, and extra query parameters (such as "wait_timeout=300ms") if any.
func (s *Sentinel) URL(extra ...string) string {
	u := "redis://" + s.Sentinels[0].Addr + "/0?master_name=" + MasterName
	for _, sn := range s.Sentinels[1:] {
		u += "&addr=" + sn.Addr
	}
	for _, e := range extra {
		u += "&" + e
	}
	return u
}

// Primary asks the first sentinel that answers which server is primary.
func (s *Sentinel) Primary() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, sn := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
		addr, err := c.GetMasterAddrByName(ctx, MasterName).Result()
		_ = c.Close()
		if err == nil && len(addr) == 2 {
			return net.JoinHostPort(addr[0], addr[1])
		}
	}
	return ""
}

// KillPrimary kills the primary (SIGKILL, as a crash) and returns at once;
// AwaitPrimary then waits for the sentinels to promote the replica.
func (s *Sentinel) KillPrimary() (killed string) {
	addr := s.Primary()
	for _, srv := range s.Servers {
		if srv.Addr == addr {
			srv.Stop()
		}
	}
	return addr
}

// Failover asks a sentinel for a failover (SENTINEL FAILOVER: no vote,
// the primary keeps running and becomes a replica).
func (s *Sentinel) Failover() {
	s.t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	defer c.Close()
	if err := c.Failover(context.Background(), MasterName).Err(); err != nil {
		s.t.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
}

// NudgeFailover asks every sentinel for a failover (SENTINEL FAILOVER),
// ignoring errors, as an operator would when an election stalls: on a
// machine starved of CPU the sentinels' own vote can miss its window and
// wait out failover-timeout more than once. Safe from any goroutine.
func (s *Sentinel) NudgeFailover() {
	for _, sn := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
		_ = c.Failover(context.Background(), MasterName).Err()
		_ = c.Close()
	}
}

// AwaitPrimary waits until the sentinels name a primary other than old and
// it answers as one; it returns its address. With old empty, any primary
// will do: after a crash a starved machine may fail over twice, back to
// the restarted server.
func (s *Sentinel) AwaitPrimary(old string, within time.Duration) string {
	s.t.Helper()
	var now string
	s.await("a new primary", within, func(ctx context.Context) bool {
		now = s.Primary()
		if now == "" || now == old {
			return false
		}
		c := redis.NewClient(&redis.Options{Addr: now})
		defer c.Close()
		role, err := c.Do(ctx, "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "master"
	})
	return now
}

func (s *Sentinel) await(what string, within time.Duration, ok func(ctx context.Context) bool) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done := ok(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: no %s within %s\n%s", what, within, s.describe())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CrashLosingWrites is the failover that loses acknowledged writes unless
// a client waited for its replica: the replica freezes and the primary
// drops its link (what the primary writes from then on reaches no
// replica), 600 ms later the primary dies (SIGKILL), the replica thaws and
// the sentinels promote it (asked again from 10 s on, every 5 s, if the
// election stalls on a starved machine), and the dead server comes back empty as the new
// primary's replica, as a supervisor would restart it. It returns the old
// primary's address and how long after the kill the promotion was seen
// (0 if none within 40 s). Safe from any goroutine.
func (s *Sentinel) CrashLosingWrites() (killed string, promotedAfter time.Duration) {
	primary := s.Primary()
	if primary == "" { // without it the crash below would aim at nothing (or at localhost:6379)
		s.t.Errorf("redistest: the sentinels name no primary; no crash made")
		return "", 0
	}
	var replica *Server
	for _, srv := range s.Servers {
		if srv.Addr != primary {
			replica = srv
		}
	}
	replica.Pause()
	c := redis.NewClient(&redis.Options{Addr: primary})
	if err := c.ClientKillByFilter(context.Background(), "TYPE", "replica").Err(); err != nil {
		s.t.Errorf("redistest: dropping the replica's link: %v", err)
	}
	_ = c.Close()
	time.Sleep(600 * time.Millisecond)
	killed = s.KillPrimary()
	killedAt := time.Now()
	time.Sleep(100 * time.Millisecond)
	replica.Resume()
	nudged := time.Time{}
	for time.Since(killedAt) < 40*time.Second {
		if time.Since(killedAt) > 10*time.Second && time.Since(nudged) > 5*time.Second {
			s.NudgeFailover() // again every 5 s: one nudge can land in a vote that then stalls too
			nudged = time.Now()
		}
		if p := s.Primary(); p != "" && p != killed {
			promotedAfter = time.Since(killedAt)
			for _, srv := range s.Servers {
				if srv.Addr == killed {
					srv.RestartAsReplicaOf(p)
				}
			}
			return killed, promotedAfter
		}
		time.Sleep(20 * time.Millisecond)
	}
	return killed, 0
}

// describe is what the sentinels think and the tail of every process's
// output, for a failure message.
func (s *Sentinel) describe() string {
	var b strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for i, sn := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
		m, err := c.Master(ctx, MasterName).Result()
		r, rerr := c.Replicas(ctx, MasterName).Result()
		_ = c.Close()
		fmt.Fprintf(&b, "sentinel %d (%s): master %v %v; replicas %v %v\n", i, sn.Addr, m, err, r, rerr)
	}
	for _, srv := range append(s.Servers[:], s.Sentinels[:]...) {
		fmt.Fprintf(&b, "--- %s:\n%s\n", srv.Addr, srv.tail(2000))
	}
	return b.String()
}
