package policy

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestGroupCacheKeepsAnswersForAMinute(t *testing.T) {
	ctx := context.Background()
	g := groups()
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewGroupCache(g, 0, clk.now)
	ask := func() {
		t.Helper()
		if m, err := c.Members(ctx, "S0614TZR7"); err != nil || len(m) != 2 {
			t.Fatalf("Members = %v, %v", m, err)
		}
	}
	ask()
	clk.add(59 * time.Second)
	ask()
	if g.count() != 1 {
		t.Fatalf("within the minute: %d calls, want 1", g.count())
	}
	clk.add(time.Second)
	ask()
	if g.count() != 2 {
		t.Fatalf("after the minute: %d calls, want 2", g.count())
	}
}

func TestGroupCacheDoesNotKeepFailures(t *testing.T) {
	ctx := context.Background()
	g := groups()
	g.err = errSlackDown
	c := NewGroupCache(g, time.Minute, nil)
	if _, err := c.Members(ctx, "S0614TZR7"); !errors.Is(err, errSlackDown) {
		t.Fatalf("err = %v", err)
	}
	g.mu.Lock()
	g.err = nil
	g.mu.Unlock()
	if m, err := c.Members(ctx, "S0614TZR7"); err != nil || len(m) != 2 {
		t.Fatalf("after Slack is back: %v, %v", m, err)
	}
}

// blocking answers only when released, counting calls.
type blocking struct {
	fakeGroups
	release chan struct{}
}

func (b *blocking) Members(ctx context.Context, group string) ([]string, error) {
	<-b.release
	return b.fakeGroups.Members(ctx, group)
}

func TestGroupCacheAsksOnceForConcurrentLookups(t *testing.T) {
	b := &blocking{fakeGroups: *groups(), release: make(chan struct{})}
	c := NewGroupCache(b, 0, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			m, err := c.Members(context.Background(), "S0SECOPS")
			if err == nil && len(m) != 2 {
				err = errors.New("wrong members")
			}
			errs <- err
		})
	}
	// Let the goroutines pile up on the one look-up, then answer it.
	for {
		c.mu.Lock()
		n := len(c.inflight)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(b.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := b.count(); n != 1 {
		t.Errorf("%d look-ups, want 1", n)
	}
}

func TestGroupCacheWaiterGivesUpWithItsContext(t *testing.T) {
	b := &blocking{fakeGroups: *groups(), release: make(chan struct{})}
	defer close(b.release)
	c := NewGroupCache(b, 0, nil)
	go c.Members(context.Background(), "S1") //nolint:errcheck // the leader; released at the end
	for {
		c.mu.Lock()
		n := len(c.inflight)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Members(ctx, "S1"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
