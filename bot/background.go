package bot

import (
	"context"
	"sync"
)

// Background runs work after a platform has been answered: vendor calls,
// result deliveries, expiry updates. At most a fixed number run at once, so
// no burst of expiries or results opens a burst of sockets, and Wait lets a
// graceful stop finish what was started. Every adapter uses it.
type Background struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

// NewBackground returns a runner of at most n concurrent jobs.
func NewBackground(n int) *Background {
	if n <= 0 {
		n = 1
	}
	return &Background{slots: make(chan struct{}, n)}
}

// Go runs f once a slot is free. It is counted at once, so a Wait that
// starts after Go returns waits for f.
func (bg *Background) Go(f func(ctx context.Context)) {
	bg.Later(f)()
}

// Later counts f now and returns the func that starts it: for work that
// must begin only after the answer is flushed (a Discord edit must not
// overtake the response it edits), yet must not be missed by Wait.
func (bg *Background) Later(f func(ctx context.Context)) (start func()) {
	if f == nil {
		return func() {}
	}
	bg.wg.Add(1)
	return func() {
		go func() {
			defer bg.wg.Done()
			bg.slots <- struct{}{}
			defer func() { <-bg.slots }()
			f(context.Background())
		}()
	}
}

// Queue waits until a slot is free, then runs f in the background: for a
// producer that should slow down rather than pile up goroutines (the
// expiry sweep).
func (bg *Background) Queue(ctx context.Context, f func(ctx context.Context)) {
	select {
	case bg.slots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	bg.wg.Add(1)
	go func() {
		defer bg.wg.Done()
		defer func() { <-bg.slots }()
		f(context.WithoutCancel(ctx))
	}()
}

// Wait blocks until every job started so far has finished.
func (bg *Background) Wait() { bg.wg.Wait() }
