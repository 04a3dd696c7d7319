package work

import (
	"context"
	"log/slog"
	"sync"
)

// Lane runs small jobs that may wait, and may be dropped, but must never
// hold up anything else: private notes to a refused click, message
// updates. A fixed number of workers take jobs from a bounded queue; a job
// offered to a full queue is refused, so a storm of slow posts neither
// parks a goroutine per job nor delays the work of another Lane or of a
// Background (a confirmed action's vendor call).
//
// A job may carry a key: a job offered under a key that already has one
// waiting replaces it (coalescing: a person who clicks ten times is sent
// the last note, once).
type Lane struct {
	workers, depth int
	log            *slog.Logger

	mu      sync.Mutex
	queue   []*laneJob
	keyed   map[string]*laneJob
	running int // workers alive
	pending sync.WaitGroup
}

type laneJob struct {
	key string
	f   func(ctx context.Context)
}

// NewLane returns a lane of at most workers concurrent jobs and depth
// jobs waiting.
func NewLane(workers, depth int) *Lane {
	return &Lane{workers: max(workers, 1), depth: max(depth, 1), log: slog.Default(), keyed: map[string]*laneJob{}}
}

// Logger sets where a job's panic is logged, and returns l.
func (l *Lane) Logger(lg *slog.Logger) *Lane {
	if lg != nil {
		l.log = lg
	}
	return l
}

// Offer queues f and reports whether it was queued (false: the queue is
// full and f was dropped).
func (l *Lane) Offer(f func(ctx context.Context)) bool { return l.OfferLatest("", f) }

// OfferLatest queues f under key, in place of a job waiting under the
// same key if there is one; an empty key never coalesces. It reports
// whether f will run.
func (l *Lane) OfferLatest(key string, f func(ctx context.Context)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if j, ok := l.keyed[key]; ok && key != "" {
		j.f = f
		return true
	}
	if len(l.queue) >= l.depth {
		return false
	}
	j := &laneJob{key: key, f: f}
	l.queue = append(l.queue, j)
	if key != "" {
		l.keyed[key] = j
	}
	l.pending.Add(1)
	if l.running < l.workers {
		l.running++
		go l.work()
	}
	return true
}

// work runs queued jobs until the queue is empty; workers come and go
// with the load, so an idle lane holds no goroutine.
func (l *Lane) work() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.running--
			l.mu.Unlock()
			return
		}
		j := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		if j.key != "" {
			delete(l.keyed, j.key)
		}
		f := j.f
		l.mu.Unlock()
		l.run(f)
		l.pending.Done()
	}
}

func (l *Lane) run(f func(ctx context.Context)) {
	defer func() {
		if p := Recovered(recover()); p != nil {
			l.log.Error("recovered from a panic in background work", "ref", NewRef(), "error", p, "stack", p.Stack)
		}
	}()
	f(context.Background())
}

// Wait blocks until every job queued so far has run.
func (l *Lane) Wait() { l.pending.Wait() }

// WaitContext is Wait until ctx is done; it reports whether every job ran.
func (l *Lane) WaitContext(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { l.pending.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
