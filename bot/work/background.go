// Package work runs work after a chat platform has been answered: a
// bounded background runner whose jobs can leave a notice for a graceful
// stop, and the panic recovery every entry point uses (Recovered,
// RecoverHTTP), so one bad payload never ends the process.
package work

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Background runs work after a platform has been answered: vendor calls,
// result deliveries, expiry updates. At most a fixed number run at once, so
// no burst of expiries or results opens a burst of sockets, and Wait lets a
// graceful stop finish what was started. Every adapter uses it.
//
// A job that panics is logged with its stack and ends; the process lives.
// A job can leave a notice (OnStop) to be given if a graceful stop's
// deadline passes before it finishes: "the outcome is unknown".
type Background struct {
	slots chan struct{}
	wg    sync.WaitGroup
	log   *slog.Logger

	mu      sync.Mutex
	notices map[int]func(ctx context.Context)
	next    int
}

// NewBackground returns a runner of at most n concurrent jobs.
func NewBackground(n int) *Background {
	if n <= 0 {
		n = 1
	}
	return &Background{slots: make(chan struct{}, n), log: slog.Default(), notices: map[int]func(context.Context){}}
}

// Logger sets where a job's panic is logged, and returns bg.
func (bg *Background) Logger(l *slog.Logger) *Background {
	if l != nil {
		bg.log = l
	}
	return bg
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
			bg.run(context.Background(), f)
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
		bg.run(context.WithoutCancel(ctx), f)
	}()
}

func (bg *Background) run(ctx context.Context, f func(ctx context.Context)) {
	defer func() {
		if p := Recovered(recover()); p != nil {
			bg.log.ErrorContext(ctx, "recovered from a panic in background work", "ref", NewRef(), "error", p, "stack", p.Stack)
		}
	}()
	f(ctx)
}

// OnStop registers notice, to be given by Drain if its deadline passes
// while the caller's job still runs. The job calls done when it finishes
// (or once it no longer needs the notice): true means the job may show its
// result; false means Drain took the notice first, so the user was told
// the outcome is unknown and the job's result must not overwrite that
// with a second, racing message.
func (bg *Background) OnStop(notice func(ctx context.Context)) (done func() bool) {
	bg.mu.Lock()
	id := bg.next
	bg.next++
	bg.notices[id] = notice
	bg.mu.Unlock()
	return func() bool {
		bg.mu.Lock()
		defer bg.mu.Unlock()
		_, mine := bg.notices[id]
		delete(bg.notices, id)
		return mine
	}
}

// Wait blocks until every job started so far has finished.
func (bg *Background) Wait() { bg.wg.Wait() }

// NoticeTimeout bounds the notices Drain gives once its deadline passed.
// A shutdown takes at most its deadline plus this.
const NoticeTimeout = 4 * time.Second

// Drain waits for every job until ctx is done. Jobs still running then
// get their OnStop notices (all at once, within NoticeTimeout); Drain
// returns how many notices it gave. Unfinished jobs are left running: the
// process is about to exit.
func (bg *Background) Drain(ctx context.Context) int {
	finished := make(chan struct{})
	go func() { bg.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return 0
	case <-ctx.Done():
	}
	bg.mu.Lock()
	notices := make([]func(context.Context), 0, len(bg.notices))
	for id, n := range bg.notices {
		notices = append(notices, n)
		delete(bg.notices, id)
	}
	bg.mu.Unlock()
	nctx, cancel := context.WithTimeout(context.Background(), NoticeTimeout)
	defer cancel()
	var wg sync.WaitGroup
	slots := make(chan struct{}, cap(bg.slots)) // as bounded as the jobs themselves
	for _, n := range notices {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			bg.run(nctx, n)
		}()
	}
	wg.Wait()
	return len(notices)
}
