package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// With Redis paused (SIGSTOP: connections open, nothing answers), callers
// of the shared pipeline stop waiting at their own deadline, with their
// context's error rather than after the client's timeouts and retries,
// whether their call was sent or still queued behind the pipelines in
// flight (the client here would wait 5 s for a reply). Once Redis answers
// again the same store serves every call: no lane was left taken by a
// caller that gave up.
func TestPausedRedisCallsEndAtTheCallersDeadlineAndTheStoreRecovers(t *testing.T) {
	srv := redistest.Start(t)
	s := redisstore.New(open(t, srv.URL()+"?read_timeout=5s&write_timeout=5s"), prefix())
	if _, err := s.SeenOnce(ctx, "warm-up", time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	defer srv.Resume()
	const callers = 40 // ten times the pipelines that may be in flight: most queue
	errs := make(chan error, 2*callers)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			_, err := s.SeenOnce(c, fmt.Sprintf("paused-%d", i), time.Minute)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			errs <- s.Put(c, rec(alice, time.Minute), pending.Limits{})
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("calls with a 300 ms deadline ended after %v: they waited for the client's timeouts", took)
	}
	close(errs)
	for err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a call with Redis paused ended with %v, not at its deadline", err)
		}
	}

	srv.Resume()
	// The calls sent in shared batches while paused hold their connections
	// until the client's timeouts end them; then every lane must serve again.
	for i := range 3 * callers {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		r := rec(alice, time.Minute)
		first, err := s.SeenOnce(c, fmt.Sprintf("resumed-%d", i), time.Minute)
		if err == nil {
			err = s.Put(c, r, pending.Limits{})
		}
		cancel()
		if err != nil || !first {
			t.Fatalf("call %d after Resume: first=%v, %v", i, first, err)
		}
		if got, err := s.Get(ctx, r.Token); err != nil || got.Token != r.Token {
			t.Fatalf("record %d after Resume: %+v, %v", i, got, err)
		}
	}
}
