package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// errLeaseLost is why a fenced action's context was cancelled.
var errLeaseLost = errors.New("the bot lost its lease on this action")

// leased runs a confirmed action under a lease in the shared Runs: if this
// process dies while the vendor call is in flight, another one finds the
// lapsed lease and tells the requester the outcome is unknown.
//
// The lease fences the action. Once it is lost (another process claimed
// it and told the requester the outcome is unknown) or lapses unrenewed
// (the store was unreachable for a whole lease, or this process was
// frozen past it), the action's context is cancelled before its next
// vendor call: no further call is sent, and the batches not sent are not
// attempted. The check is made in line, in the progress the batch reports
// after each call and before the next, so a process thawed after a pause
// cannot slip one more call in; a call already sent is left to return.
//
// An action whose run record cannot be written does not start: a crash
// mid-call would then go unreported. started: the store already wrote it
// with the Confirm (settleRun), in the same step.
func (b *Bot) leased(ctx context.Context, rec pending.Record, started bool, s commands.Summary, progress Progress,
	run func(ctx context.Context, progress Progress) reply.Reply) reply.Reply {
	ctx = context.WithoutCancel(ctx) // the click that started it may be long gone
	began := time.Now()
	if started {
		// The lease began at the settle, a moment ago: counting from now
		// would let the fence close late, so count from before it.
		began = began.Add(-b.runLease / 10)
	} else if err := b.runs.Start(ctx, rec, b.runLease); err != nil {
		se := b.storeError(ctx, err, "event", "run", "token_ref", tokenRef(rec.Token))
		b.emit(ctx, Event{Step: StepResult, Verdict: NotSent, Reason: StoreUnavailable, Who: rec.Requester, Channel: rec.Channel,
			Summary: s, Destructive: true, Attrs: approvalAttrs(rec)})
		return notStarted(s, se.Ref)
	}
	f := newFence(ctx, began.Add(b.runLease))
	done := make(chan struct{})
	go b.renew(ctx, rec.Token, f, done)
	f.check() // a Start slower than the lease: not a single call
	shown := &latest{show: progress, log: b.log}
	r := run(f.ctx, func(r reply.Reply) {
		if f.check() {
			shown.offer(r)
		}
	})
	lost := f.lost() || !f.check()
	close(done)
	f.stop()
	shown.wait() // the result must not be overtaken by a late progress update
	if lost {
		b.log.Error("a running action's lease was lost; it stopped calling the vendor", "token_ref", tokenRef(rec.Token))
		r.Lines = append([]string{fencedLine}, r.Lines...)
	}
	b.finish(ctx, rec.Token)
	return r
}

// finish forgets a finished action's run record, trying again for up to a
// lease or 5 s, whichever is shorter (a Sentinel failover takes two or
// three; the result waits for it, briefly): a record left behind would
// be reported by another process as an orphan, "outcome unknown", after
// the requester has read the result.
func (b *Bot) finish(ctx context.Context, token string) {
	deadline := time.Now().Add(min(b.runLease, 5*time.Second))
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := b.runs.Finish(ctx, token)
		if err == nil {
			return
		}
		if time.Now().Add(wait).After(deadline) {
			b.log.Warn("forgetting a finished action failed; another process may report it as unknown", "error", err, "token_ref", tokenRef(token))
			return
		}
		time.Sleep(wait)
	}
}

// renew renews a running action's lease every third of it until done,
// moving the fence's deadline on after each renewal, and marking it lost
// when the store says another process took the action.
func (b *Bot) renew(ctx context.Context, token string, f *fence, done <-chan struct{}) {
	t := time.NewTicker(b.runLease / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		began := time.Now()
		rctx, cancel := context.WithTimeout(ctx, b.runLease/3)
		held, err := b.runs.Renew(rctx, token, b.runLease)
		cancel()
		switch {
		case err != nil: // the fence closes if this lasts a whole lease
			b.log.Warn("renewing a running action's lease failed", "error", err, "token_ref", tokenRef(token))
		case !held: // another process took it for dead and said so
			f.lose()
			return
		default:
			f.extend(began.Add(b.runLease))
		}
	}
}

// fence is a running action's context, cancelled with errLeaseLost at
// the first check after its lease was lost or its deadline (the last
// renewal's start plus the lease, by this process's monotonic clock)
// passed. It is checked between vendor calls, never during one: a call
// already sent is left to return, since its answer is worth having.
type fence struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	until  time.Time
	gone   bool // the store says another process took the action
}

func newFence(parent context.Context, until time.Time) *fence {
	f := &fence{until: until}
	f.ctx, f.cancel = context.WithCancelCause(parent)
	return f
}

// lose records that another process took the action.
func (f *fence) lose() {
	f.mu.Lock()
	f.gone = true
	f.mu.Unlock()
}

// extend moves the deadline to until.
func (f *fence) extend(until time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if until.After(f.until) {
		f.until = until
	}
}

// check closes the fence if the lease is lost or past its deadline, and
// reports whether it is still open.
func (f *fence) check() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone || !time.Now().Before(f.until) {
		f.cancel(errLeaseLost)
	}
	return f.ctx.Err() == nil
}

func (f *fence) lost() bool { return errors.Is(context.Cause(f.ctx), errLeaseLost) }

func (f *fence) stop() { f.cancel(nil) }

// latest shows progress beside the vendor work, never in its way: the
// batch hands an update over and goes on to its next call while a slow or
// hung chat platform takes it. Updates wait in order, a few at most; past
// that the newest replaces the last one waiting.
type latest struct {
	show Progress
	log  *slog.Logger
	mu   sync.Mutex
	next []reply.Reply
	busy bool
	wg   sync.WaitGroup
}

// latestWaiting bounds the updates waiting to be shown.
const latestWaiting = 8

func (l *latest) offer(r reply.Reply) {
	if l.show == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.busy:
		l.busy = true
		l.wg.Add(1)
		go l.loop(r)
	case len(l.next) < latestWaiting:
		l.next = append(l.next, r)
	default:
		l.next[len(l.next)-1] = r
	}
}

func (l *latest) loop(r reply.Reply) {
	defer l.wg.Done()
	for {
		l.showRecovered(r)
		l.mu.Lock()
		if len(l.next) == 0 {
			l.busy = false
			l.mu.Unlock()
			return
		}
		r, l.next = l.next[0], l.next[1:]
		l.mu.Unlock()
	}
}

func (l *latest) showRecovered(r reply.Reply) {
	defer func() {
		if p := work.Recovered(recover()); p != nil {
			l.log.Error("recovered from a panic showing progress", "ref", work.NewRef(), "error", p, "stack", p.Stack)
		}
	}()
	l.show(r)
}

// wait lets the updates still waiting be shown for a moment, then drops
// them (the result says more) and blocks until the one being shown, if
// any, is done.
func (l *latest) wait() {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(latestGrace):
	}
	l.mu.Lock()
	l.next = nil
	l.mu.Unlock()
	<-done
}

// latestGrace is how long a finished action's result waits for the
// progress updates before it.
const latestGrace = time.Second
