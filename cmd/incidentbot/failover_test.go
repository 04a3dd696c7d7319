package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// TestFailoverRunsEveryDeleteAtMostOnce runs two replicas of the binary on
// a Sentinel-managed primary and replica, and fires 200 Confirm clicks on
// 40 deletes across both while the primary crashes: its link to the
// replica is cut first (the last writes never reach it), then it is killed,
// the sentinels promote the replica, and the dead server comes back as a
// replica. Every incident reaches the vendor at most once, every vendor
// call has its result in the audit log, and the refusals are counted.
func TestFailoverRunsEveryDeleteAtMostOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary on a Sentinel set-up")
	}
	st := redistest.StartSentinel(t)
	c := newStandIns(t, st.URL())
	r1, r2 := c.start(), c.start()
	reps := []*replica{r1, r2}

	const tokens, clicks, every = 40, 200, 30 * time.Millisecond
	ids := make([]string, tokens)
	for k := range ids {
		var answer string
		ids[k], answer = c.ask(reps[k%2], fmt.Sprintf("delete inc-%d", 100+k), fmt.Sprintf("/resp/ask-%d", k))
		if ids[k] == "" {
			t.Fatalf("no confirmation for inc-%d:\n%s", 100+k, answer)
		}
	}
	ctx := context.Background()
	primary := redis.NewClient(&redis.Options{Addr: st.Primary()})
	cmds, _ := primary.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "marker", "1", 0)
		p.Do(ctx, "wait", 1, 5000)
		return nil
	})
	_ = primary.Close()
	if n, _ := cmds[1].(*redis.Cmd).Int64(); n != 1 {
		t.Fatalf("the replica did not acknowledge the confirmations: %v", cmds[1].Err())
	}

	var wg sync.WaitGroup
	begin := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(50 * time.Millisecond)
		if _, took := st.CrashLosingWrites(); took > 0 {
			t.Logf("the sentinels promoted the replica %s after the kill", took.Round(10*time.Millisecond))
		} else {
			t.Error("no replica was promoted within 40 s of the kill: the clicks met no failover")
		}
	}()
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(begin.Add(time.Duration(i) * every)))
			c.click(reps[i%2], ids[i%tokens], fmt.Sprintf("/resp/click-%d-%d", i%tokens, i))
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // the last results and refusal notes

	// What the vendor received, per incident.
	called := map[string]int{}
	for _, r := range c.vendor.Requests() {
		if r.Method != http.MethodDelete {
			continue
		}
		var body map[string][]string
		_ = json.Unmarshal(r.Body, &body)
		for _, id := range append(body["batch_ids"], body["ids"]...) {
			called[id]++
		}
	}
	for id, n := range called {
		if n > 1 {
			t.Errorf("%s was deleted %d times", id, n)
		}
	}
	// Every vendor call is in the audit log, with its result.
	audited := map[string]int{}
	for _, r := range reps {
		for _, line := range strings.Split(r.logs.String(), "\n") {
			var e struct {
				Msg, Event, Outcome string
				IDs                 []string
			}
			if json.Unmarshal([]byte(line), &e) != nil || e.Msg != "audit" || e.Event != "result" {
				continue
			}
			for _, id := range e.IDs {
				audited[id]++
			}
		}
	}
	for id, n := range called {
		if audited[id] != n {
			t.Errorf("%s: %d vendor calls, %d results in the audit log", id, n, audited[id])
		}
	}
	// The notes the clickers read, by kind.
	kinds := map[string]int{}
	for _, r := range c.slack.Requests() {
		if !strings.HasPrefix(r.Path, "/resp/click-") {
			continue
		}
		body := string(r.Body)
		switch {
		case strings.Contains(body, "could not make sure this click would survive a failover"):
			kinds["not replicated: press again"]++
		case strings.Contains(body, "cannot reach its store"):
			kinds["store unreachable: try again"]++
		case strings.Contains(body, "already confirmed"):
			kinds["already confirmed"]++
		case strings.Contains(body, "Running:"):
			kinds["running"]++
		case strings.Contains(body, "deleted"):
			kinds["result"]++
		default:
			kinds["other"]++
		}
	}
	var summary []string
	for k, n := range kinds {
		summary = append(summary, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(summary)
	t.Logf("%d incidents deleted (of %d), %d vendor calls; messages to clickers: %s", len(called), tokens, c.deletes(), strings.Join(summary, ", "))
	if len(called) == 0 {
		t.Fatal("nothing was deleted at all: the replicas never recovered from the failover")
	}
}
