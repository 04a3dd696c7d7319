package vendors

import (
	"context"
	"errors"
	"time"
)

// A caller watches a vendor client's work through the context: every
// request as it returns (for metrics), and the progress of a batch split
// into several calls (for an interim message). The clients need no option
// for it, and a context without watchers costs nothing.

type requestWatcherKey struct{}
type progressWatcherKey struct{}

// RequestWatcher is told of every vendor request when it returns: its
// outcome (Done, Refused or Unknown) and how long it took, retries included.
type RequestWatcher func(outcome Outcome, took time.Duration)

// WithRequestWatcher returns a context whose vendor requests are reported to w.
func WithRequestWatcher(ctx context.Context, w RequestWatcher) context.Context {
	return context.WithValue(ctx, requestWatcherKey{}, w)
}

// Progress is how far a batch split into several calls has got.
type Progress struct {
	Call, Calls int         // calls finished, calls in all
	Handled     int         // IDs whose call has returned
	Total       int         // IDs in the batch
	Result      BatchResult // the per-ID outcomes so far (a copy)
}

// ProgressWatcher is told after each call of a multi-call batch but the
// last (the final result follows at once).
type ProgressWatcher func(Progress)

// WithProgressWatcher returns a context whose batches report progress to w.
func WithProgressWatcher(ctx context.Context, w ProgressWatcher) context.Context {
	return context.WithValue(ctx, progressWatcherKey{}, w)
}

// Observe times one vendor request and reports it to the context's
// RequestWatcher: refused for a *Error or a *NotSentError, unknown for any other error, done
// otherwise. Clients wrap each request they send in it (InGroups does for
// batches).
func Observe(ctx context.Context, started time.Time, err error) {
	w, _ := ctx.Value(requestWatcherKey{}).(RequestWatcher)
	if w == nil {
		return
	}
	outcome := Done
	var ve *Error
	var ns *NotSentError
	switch {
	case errors.As(err, &ve), errors.As(err, &ns): // a definite no: nothing changed
		outcome = Refused
	case err != nil:
		outcome = Unknown
	}
	w(outcome, time.Since(started))
}

func reportProgress(ctx context.Context, p Progress) {
	w, _ := ctx.Value(progressWatcherKey{}).(ProgressWatcher)
	if w == nil {
		return
	}
	p.Result = BatchResult{Items: append([]Item(nil), p.Result.Items...), RequestIDs: append([]string(nil), p.Result.RequestIDs...)}
	w(p)
}
