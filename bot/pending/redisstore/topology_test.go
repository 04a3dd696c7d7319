package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/pendingtest"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// open makes a client for url, closed when t ends.
func open(t testing.TB, url string) redis.UniversalClient {
	t.Helper()
	c, err := redisstore.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// suites runs every conformance suite against stores made by mk.
func suites(t *testing.T, mk func() *redisstore.Store) {
	pendingtest.Run(t, func(*testing.T) pending.Store { return mk() })
	pendingtest.RunValues(t, func(*testing.T) pending.Values { return mk() })
	pendingtest.RunRuns(t, func(*testing.T) pending.Runs { return mk() })
	pendingtest.RunShared(t, func(*testing.T) (pending.OnceSet, pending.Leases) { s := mk(); return s, s })
	pendingtest.RunRunSettler(t, func(*testing.T) (pending.Store, pending.RunSettler, pending.Runs) { s := mk(); return s, s, s })
	pendingtest.RunReplays(t, func(*testing.T) pendingtest.Replays { return mk() })
}

func TestRunSettlerConformance(t *testing.T) {
	c := client(t, redistest.Start(t))
	pendingtest.RunRunSettler(t, func(*testing.T) (pending.Store, pending.RunSettler, pending.Runs) {
		s := redisstore.New(c, prefix())
		return s, s, s
	})
}

func TestConformanceOnSentinel(t *testing.T) {
	st := redistest.StartSentinel(t)
	o, err := redisstore.ParseOptions(st.URL())
	if err != nil || o.WaitReplicas != 1 {
		t.Fatalf("a Sentinel URL waits for %d replicas (%v); want 1 by default", o.WaitReplicas, err)
	}
	c := open(t, st.URL())
	suites(t, func() *redisstore.Store { return redisstore.New(c, prefix()).WaitForReplicas(1, 300*time.Millisecond) })
}

func TestConformanceOnCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	c := open(t, cl.URL())
	if _, ok := c.(*redis.ClusterClient); !ok {
		t.Fatalf("the URL %s made a %T, want a cluster client", cl.URL(), c)
	}
	suites(t, func() *redisstore.Store { return redisstore.New(c, prefix()) })
}

func TestSettleNoReplicaAcknowledgesIsRefused(t *testing.T) {
	srv := redistest.Start(t) // a lone server: no replica can acknowledge
	s := redisstore.New(client(t, srv), prefix()).WaitForReplicas(1, 100*time.Millisecond)
	r := rec(alice, time.Hour)
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	_, started, err := s.SettleRun(ctx, r.Token, confirm(alice, t0.Add(time.Minute)), 200*time.Millisecond)
	if !errors.Is(err, pending.ErrNotDurable) || started {
		t.Fatalf("a Confirm no replica acknowledged: started %v, %v; want pending.ErrNotDurable", started, err)
	}
	if !strings.Contains(err.Error(), "Press again in a moment") {
		t.Fatalf("the refusal does not say what to do: %q", err)
	}
	// The move is taken back: the confirmation can be pressed again.
	if got, err := s.Get(ctx, r.Token); err != nil || got.State != pending.Pending {
		t.Fatalf("after a refused Confirm the confirmation is %v (%v); want pending again", got.State, err)
	}
	if n, _ := s.Stats(ctx); n != 1 {
		t.Fatalf("after a refused Confirm %d confirmations are open; want 1", n)
	}
	// Nothing runs, so no one is told later that a run's outcome is unknown.
	time.Sleep(400 * time.Millisecond)
	if got, err := s.Orphans(ctx, 10); len(got) != 0 || err != nil {
		t.Fatalf("a refused Confirm left a run record: %+v, %v", got, err)
	}
	// A Cancel waits too, so that a Cancel the requester was told of holds.
	r2 := rec(alice, time.Hour)
	if err := s.Put(ctx, r2, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settle(ctx, r2.Token, pending.Move{From: []pending.State{pending.Pending}, To: pending.Cancelled, By: alice, At: t0.Add(time.Minute), RequesterOnly: true}); !errors.Is(err, pending.ErrNotDurable) {
		t.Fatalf("a Cancel no replica acknowledged: %v; want pending.ErrNotDurable (every move by a person waits)", err)
	}
	if n, _ := s.Stats(ctx); n != 2 {
		t.Fatalf("after a refused Cancel %d confirmations are open; want 2", n)
	}
}

// TestFailoverRunsEachConfirmationAtMostOnce kills the primary while 200
// clicks on 40 confirmations go through two clients, with the replica
// frozen just before the kill (so the last writes never reach it, as in a
// real crash under load). With WAIT, every Confirm that was acted on is on
// the new primary and none runs twice; without it, some run twice, which
// shows the test can tell.
func TestFailoverRunsEachConfirmationAtMostOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two Sentinel set-ups and fails them over (about 20 s)")
	}
	t.Run("WithWait", func(t *testing.T) {
		res := failover(t, 1)
		t.Logf("with WAIT: %s", res)
		for token, n := range res.ran {
			if n > 1 {
				t.Errorf("%s ran %d times", token, n)
			}
		}
		if len(res.lost) > 0 {
			t.Errorf("Confirms acted on but not Confirmed on the new primary: %v", res.lost)
		}
		if res.refused[pending.ErrNotDurable.Error()] == 0 {
			t.Errorf("no click was refused while the replica was frozen: %v", res.refused)
		}
	})
	t.Run("WithoutWaitForControl", func(t *testing.T) {
		res := failover(t, 0)
		t.Logf("without WAIT: %s", res)
		twice := 0
		for _, n := range res.ran {
			if n > 1 {
				twice++
			}
		}
		if twice+len(res.lost) == 0 {
			t.Error("without WAIT no Confirm ran twice or was lost: the schedule no longer loses writes, so WithWait proves nothing")
		}
	})
}

type failoverResult struct {
	ran     map[string]int    // token -> Confirms acted on
	refused map[string]int    // refusal -> clicks
	lost    []string          // tokens acted on but not Confirmed on the new primary
	took    time.Duration     // from the kill to a new primary
	errs    map[string]string // one example per refusal, for the log
}

func (r failoverResult) String() string {
	runs, twice := 0, 0
	for _, n := range r.ran {
		runs += n
		if n > 1 {
			twice++
		}
	}
	var kinds []string
	for k, n := range r.refused {
		kinds = append(kinds, fmt.Sprintf("%d× %q", n, k))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d runs of %d tokens (%d ran twice), %d acted on but lost, failover took %s; refused: %s",
		runs, len(r.ran), twice, len(r.lost), r.took.Round(10*time.Millisecond), strings.Join(kinds, ", "))
}

func failover(t *testing.T, wait int) failoverResult {
	st := redistest.StartSentinel(t)
	p := prefix()
	var stores [2]*redisstore.Store
	for i := range stores {
		stores[i] = redisstore.New(open(t, st.URL()), p).WaitForReplicas(wait, 300*time.Millisecond)
	}
	now := time.Now()
	tokens := make([]string, 40)
	for i := range tokens {
		r := rec(alice, time.Hour)
		r.CreatedAt, r.ExpiresAt = now, now.Add(time.Hour)
		tokens[i] = r.Token
		if err := stores[i%2].Put(ctx, r, pending.Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	// Every record is on the replica before anything is clicked.
	primary := redis.NewClient(&redis.Options{Addr: st.Primary()})
	cmds, _ := primary.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "marker", "1", 0)
		p.Do(ctx, "wait", 1, 5000)
		return nil
	})
	_ = primary.Close()
	if n, _ := cmds[1].(*redis.Cmd).Int64(); n != 1 {
		t.Fatalf("the replica did not acknowledge the records: %v", cmds[1].Err())
	}

	res := failoverResult{ran: map[string]int{}, refused: map[string]int{}, errs: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	const clicks, every = 200, 30 * time.Millisecond
	begin := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(50 * time.Millisecond)
		_, res.took = st.CrashLosingWrites()
	}()
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(begin.Add(time.Duration(i) * every)))
			token := tokens[i%len(tokens)]
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, started, err := stores[i%2].SettleRun(cctx, token, confirm(alice, time.Now()), time.Minute)
			mu.Lock()
			defer mu.Unlock()
			var settled *pending.SettledError
			switch {
			case err == nil && started:
				res.ran[token]++
			case err == nil:
				t.Errorf("a Confirm without approvers did not start a run")
			case errors.As(err, &settled):
				res.refused["already confirmed"]++
			case errors.Is(err, pending.ErrNotDurable):
				res.refused[pending.ErrNotDurable.Error()]++
			default:
				res.refused["store unreachable"]++
				res.errs["store unreachable"] = err.Error()
			}
		}()
	}
	wg.Wait()
	// Any primary: on a loaded machine the sentinels may fail over twice,
	// back to the restarted server (seen once, with the whole suite
	// running: the promoted replica missed 1 s of pings while it fed the
	// restarted one). Either way every confirmation that ran must be there.
	st.AwaitPrimary("", 60*time.Second)
	for token := range res.ran {
		r, err := stores[0].Get(ctx, token)
		if err != nil || r.State != pending.Confirmed {
			res.lost = append(res.lost, fmt.Sprintf("%s (%v %v)", token, r.State, err))
		}
	}
	for k, v := range res.errs {
		t.Logf("e.g. %s: %s", k, v)
	}
	return res
}
