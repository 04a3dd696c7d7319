package redisstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// How many goroutines and connections pile up when a flood of
// look-ups meets a frozen Redis, and are they all gone after it resumes?
func TestAFloodOfLookupsOnAFrozenRedisLeavesNoGoroutinesBehind(t *testing.T) {
	srv := redistest.Start(t)
	c := open(t, srv.URL())
	lc := redisstore.NewLookupCache(c, prefix())
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	base := runtime.NumGoroutine()
	srv.Pause()
	var peak, calls atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 100; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				lc.GetMany(context.Background(), keys)
				lc.SetMany(context.Background(), []lookup.Entry{{Key: "a", Value: []byte("b")}}, time.Minute)
				calls.Add(1)
			}
		}()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	end := time.After(4 * time.Second)
loop:
	for {
		select {
		case <-tick.C:
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
		case <-end:
			break loop
		}
	}
	close(stop)
	wg.Wait()
	ps := c.(*redis.Client).PoolStats()
	t.Logf("frozen 4s, 100 callers: %d calls, goroutines base %d peak %d (incl 100 callers), pool %+v", calls.Load(), base, peak.Load(), *ps)
	srv.Resume()
	time.Sleep(3 * time.Second)
	ps = c.(*redis.Client).PoolStats()
	t.Logf("3s after resume: goroutines %d, pool %+v", runtime.NumGoroutine(), *ps)
	if n := runtime.NumGoroutine(); n > base+5 {
		t.Errorf("%d goroutines 3 s after Redis resumed, %d before the flood: the cache's pipelines pile up", n, base)
	}
	if ps.TotalConns > 20 {
		t.Errorf("%d connections, past the pool's 20", ps.TotalConns)
	}
}
