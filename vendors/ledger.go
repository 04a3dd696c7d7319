package vendors

import (
	"context"
	"sync"
)

// Ledger follows a running batch ID by ID, so that whoever must report on
// it before it returns (a graceful stop's notice) says what is known: the
// IDs already answered keep their answer, the IDs of the call in flight
// are unknown, and the IDs never sent are not attempted. InGroups writes
// to the Ledger in its context; it is safe for concurrent use.
type Ledger struct {
	mu       sync.Mutex
	items    []Item
	inFlight []string
	started  bool
	stopped  string // why, once Stop was called
}

type ledgerKey struct{}

// NewLedger returns an empty Ledger.
func NewLedger() *Ledger { return &Ledger{} }

// WithLedger returns a context whose batches record their progress in l.
func WithLedger(ctx context.Context, l *Ledger) context.Context {
	return context.WithValue(ctx, ledgerKey{}, l)
}

// LedgerFrom returns the context's Ledger, or nil (on which every method
// does nothing).
func LedgerFrom(ctx context.Context) *Ledger {
	l, _ := ctx.Value(ledgerKey{}).(*Ledger)
	return l
}

// sending records ids as the call in flight, or returns why not when the
// batch was stopped: then the call must not be sent.
func (l *Ledger) sending(ids []string) (stopped string) {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped != "" {
		return l.stopped
	}
	l.started, l.inFlight = true, append(l.inFlight[:0], ids...)
	return ""
}

func (l *Ledger) answered(items []Item) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.items, l.inFlight = append(l.items, items...), l.inFlight[:0]
	l.mu.Unlock()
}

// Stop ends the batch over ids (no further call is sent) and returns it
// as far as it is known now, and whether any call was sent at all (if
// none was, the action may not be a batch and the Ledger knows nothing).
// why says what stopped it ("the bot stopped"), for the IDs in flight and
// those not sent.
func (l *Ledger) Stop(ids []string, why string) (BatchResult, bool) {
	if l == nil {
		return BatchResult{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if why == "" {
		why = "the action was stopped"
	}
	l.stopped = why
	if !l.started {
		return BatchResult{}, false
	}
	known := make(map[string]Item, len(l.items))
	for _, it := range l.items {
		known[it.ID] = it
	}
	flying := make(map[string]bool, len(l.inFlight))
	for _, id := range l.inFlight {
		flying[id] = true
	}
	var res BatchResult
	for _, id := range ids {
		switch it, ok := known[id]; {
		case ok:
			res.Items = append(res.Items, it)
		case flying[id]:
			res.Items = append(res.Items, Item{ID: id, Outcome: Unknown, Message: "its call was in flight when " + why + ": the vendor may have acted"})
		default:
			res.Items = append(res.Items, Item{ID: id, Outcome: NotAttempted, Message: "not attempted: " + why + " before its call was sent"})
		}
	}
	return res, true
}
