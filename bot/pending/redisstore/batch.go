package redisstore

import (
	"context"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batch pipelines the independent one-command calls of concurrent
// requests (the replay check, Put): while one pipeline is in flight, the
// calls that arrive queue up and go together in the next one. An idle
// store sends each call at once, so batching adds no wait; a busy one
// makes one write and one read per batch instead of per call, on the bot
// and on Redis alike.
//
// At most lanes pipelines are in flight. A call that finds a lane free and
// nobody queued sends itself, under its own context. Otherwise it queues,
// and batches are sent by goroutines (at most lanes, each ending when the
// queue is empty), so a caller never sends for others and can always stop
// waiting: a call whose context ends while queued is taken out of the
// queue; one sent alone ends at its context's deadline (the client bounds
// its reads by it), and one sent in a shared batch is left to the
// client's own timeouts while its caller returns.
type batch struct {
	mu    sync.Mutex
	queue []*queued
	busy  int // senders running, at most lanes
}

type queued struct {
	add  func(redis.Pipeliner)
	done chan struct{} // closed once its commands ran
}

// maxBatch bounds one pipeline, so one reply never grows without bound.
const maxBatch = 256

// lanes is how many pipelines may be in flight at once: more than one,
// so that Redis is not idle while a sender hands out the replies it got.
var lanes = 4

// do queues add (which adds one or more commands to a pipeline and keeps
// them to read afterwards) and returns nil once they ran; the commands
// carry their own errors. When ctx ends first it returns ctx's error at
// once, and the caller must not read its commands: they may be running
// still, or never be sent.
func (s *Store) do(ctx context.Context, add func(redis.Pipeliner)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := &s.batch
	b.mu.Lock()
	if b.busy < lanes && len(b.queue) == 0 {
		// Nothing waits: send this call alone, under its own context, on
		// this goroutine (the common case, without a hand-over).
		b.busy++
		b.mu.Unlock()
		_, _ = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			add(p)
			return nil
		})
		b.mu.Lock()
		if len(b.queue) > 0 {
			go s.send() // the lane passes to a sender for those who came meanwhile
		} else {
			b.busy--
		}
		b.mu.Unlock()
		return ctx.Err()
	}
	q := &queued{add: add, done: make(chan struct{})}
	b.queue = append(b.queue, q)
	if b.busy < lanes {
		b.busy++
		go s.send()
	}
	b.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		if i := slices.Index(b.queue, q); i >= 0 {
			b.queue = slices.Delete(b.queue, i, i+1)
		}
		b.mu.Unlock()
		return ctx.Err()
	}
}

// send pipelines the queue, a batch at a time, until it is empty. The
// calls it sends wait for them whatever their callers' contexts say (a
// pipeline is shared); the client's own timeouts bound the wait.
func (s *Store) send() {
	b := &s.batch
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.busy--
			b.mu.Unlock()
			return
		}
		sending := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		_, _ = s.c.Pipelined(context.Background(), func(p redis.Pipeliner) error {
			for _, w := range sending {
				w.add(p)
			}
			return nil
		})
		for _, w := range sending {
			close(w.done)
		}
	}
}
