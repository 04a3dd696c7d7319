package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batch pipelines the independent one-command calls of concurrent
// requests (the replay check, Put): while one pipeline is in flight, the
// calls that arrive queue up and go together in the next one. An idle
// store sends each call at once, so batching adds no wait; a busy one
// makes one write and one read per batch instead of per call, on the bot
// and on Redis alike. No goroutine of its own: a caller that finds fewer
// than lanes pipelines in flight sends its call with the queue, and hands
// its lane to the first caller still waiting when it is done, so no caller
// sends for others for ever.
type batch struct {
	mu    sync.Mutex
	queue []*queued
	busy  int // callers sending, at most lanes
}

type queued struct {
	add  func(redis.Pipeliner)
	done chan struct{} // its command ran, or it is this caller's turn to send
	lead bool          // set before done is closed: send the queue
}

// maxBatch bounds one pipeline, so one reply never grows without bound.
const maxBatch = 256

// lanes is how many pipelines may be in flight at once: more than one,
// so that Redis is not idle while a sender hands out the replies it got.
var lanes = 4

// do queues add (which adds one or more commands to a pipeline and keeps
// them to read afterwards) and returns once they ran. The commands carry
// their own errors.
func (s *Store) do(ctx context.Context, add func(redis.Pipeliner)) {
	b := &s.batch
	q := &queued{add: add, done: make(chan struct{})}
	b.mu.Lock()
	lead := b.busy < lanes
	if lead {
		b.busy++
	} else {
		b.queue = append(b.queue, q)
	}
	b.mu.Unlock()
	if !lead {
		<-q.done
		if !q.lead {
			return
		}
	}
	// This caller sends: its own call and those queued, which are then
	// out of the queue (each call is in one place: queued, or sent).
	b.mu.Lock()
	n := min(len(b.queue), maxBatch-1)
	sending := append(make([]*queued, 0, n+1), q)
	sending = append(sending, b.queue[:n]...)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	b.mu.Unlock()
	// The callers whose commands these are wait for them whatever this
	// caller's context says; the client's own timeouts bound the wait.
	_, _ = s.c.Pipelined(context.WithoutCancel(ctx), func(p redis.Pipeliner) error {
		for _, w := range sending {
			w.add(p)
		}
		return nil
	})
	for _, w := range sending[1:] {
		close(w.done)
	}
	// Hand the turn to the first caller still waiting, or give the lane up.
	b.mu.Lock()
	if len(b.queue) > 0 {
		next := b.queue[0]
		b.queue = append(b.queue[:0], b.queue[1:]...)
		next.lead = true
		close(next.done)
	} else {
		b.busy--
	}
	b.mu.Unlock()
}
