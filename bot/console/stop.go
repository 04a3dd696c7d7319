package console

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// DefaultStopGrace is how long, once asked to stop, the console waits for
// a running action before it shows the action's stop notice.
const DefaultStopGrace = 25 * time.Second

// StopGrace sets how long a stop (Ctrl-C, SIGTERM: ctx done) waits for a
// running action before the console shows what is known of it and
// returns (the process is about to exit). It returns c.
func (c *Console) StopGrace(d time.Duration) *Console {
	c.grace = d
	return c
}

// work runs o.Work and returns its reply; if ctx ends first and the
// action does not finish within the grace, it returns the action's stop
// notice instead (which also ends the batch: no call goes out after it),
// and the work's later output is dropped.
func (c *Console) work(ctx context.Context, o bot.Outcome) reply.Reply {
	if o.Unfinished == nil {
		return o.Work(ctx, c.print)
	}
	var stopped atomic.Bool
	done := make(chan reply.Reply, 1)
	go func() {
		done <- o.Work(ctx, func(r reply.Reply) {
			if !stopped.Load() {
				c.print(r)
			}
		})
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
	}
	grace := c.grace
	if grace <= 0 {
		grace = DefaultStopGrace
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case r := <-done:
		return r
	case <-t.C:
		stopped.Store(true)
		r := o.Unfinished()
		r.Buttons = nil // the session ends here: nothing is left to press
		return r
	}
}
