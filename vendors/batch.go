package vendors

import (
	"context"
	"errors"
	"strings"
	"time"
)

// InBatches calls op on consecutive chunks of at most size IDs and merges the
// results; see InGroups.
func InBatches(ctx context.Context, ids []string, size int, op func(ctx context.Context, chunk []string) (BatchResult, error)) (BatchResult, error) {
	if size <= 0 {
		size = len(ids)
	}
	var groups [][]string
	for start := 0; start < len(ids); start += size {
		groups = append(groups, ids[start:min(start+size, len(ids))])
	}
	return InGroups(ctx, groups, op)
}

// InGroups calls op on each group of IDs in turn and merges the results.
//
// Every ID ends with the outcome it truly has. When a call fails, its
// group's IDs get the outcome the error implies (refused with the vendor's
// code and message, unknown when the vendor may have acted, not attempted
// when the request never left); the groups after it are not attempted (a
// vendor that refused once is not hammered) and the partial result is
// returned with a nil error. Only a batch of one call that fails returns
// the error as is: then every ID shares it, and the error says more.
// When ctx ends between calls (a stop, a lost lease, the work deadline),
// the calls not yet sent are not attempted; when it ended before the
// first, ctx's error is returned: nothing was sent.
//
// Each call is reported to the context's RequestWatcher and Ledger, and
// after each call but the last the ProgressWatcher hears how far the batch
// has got.
func InGroups(ctx context.Context, groups [][]string, op func(ctx context.Context, group []string) (BatchResult, error)) (BatchResult, error) {
	var result BatchResult
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	ledger := LedgerFrom(ctx)
	rest := func(i int) []string {
		var ids []string
		for _, g := range groups[i:] {
			ids = append(ids, g...)
		}
		return ids
	}
	for i, group := range groups {
		if err := ctx.Err(); err != nil {
			if i == 0 { // nothing was sent: the caller says so for all of them
				return BatchResult{}, err
			}
			result.MarkAll(rest(i), NotAttempted, "", "not attempted: "+stoppedBecause(ctx))
			return result, nil
		}
		if why := ledger.sending(group); why != "" {
			result.MarkAll(rest(i), NotAttempted, "", "not attempted: "+why+" before this call")
			return result, nil
		}
		started := time.Now()
		part, err := op(ctx, group)
		Observe(ctx, started, err)
		if err != nil {
			var failed BatchResult
			failed.markFailed(group, err)
			ledger.answered(failed.Items)
			if len(groups) == 1 {
				return BatchResult{}, err
			}
			result.Merge(failed)
			why := "not attempted: an earlier call failed, so the rest were held back"
			if ctx.Err() != nil { // the call failed because the action was stopped
				why = "not attempted: " + stoppedBecause(ctx)
			}
			result.MarkAll(rest(i+1), NotAttempted, "", why)
			return result, nil
		}
		ledger.answered(part.Items)
		result.Merge(part)
		if i < len(groups)-1 {
			reportProgress(ctx, Progress{Call: i + 1, Calls: len(groups), Handled: len(result.Items), Total: total, Result: result})
		}
	}
	return result, nil
}

// stoppedBecause says in a few words why ctx ended.
func stoppedBecause(ctx context.Context) string {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, context.DeadlineExceeded):
		return "the action ran out of time before this call"
	case cause != nil && !errors.Is(cause, context.Canceled):
		return "the action was stopped before this call (" + Cap(cause.Error(), 120) + ")"
	}
	return "the action was stopped before this call"
}

// markFailed records a failed call's IDs: refused when the vendor said so,
// not attempted when the request never left, unknown otherwise.
func (r *BatchResult) markFailed(ids []string, err error) {
	var ve *Error
	if errors.As(err, &ve) {
		if ve.RequestID != "" {
			r.RequestIDs = append(r.RequestIDs, ve.RequestID)
		}
		start := len(r.Items)
		r.MarkAll(ids, Refused, ve.Code, ve.Error())
		if RetryHelps(ve) {
			for i := start; i < len(r.Items); i++ {
				r.Items[i].Retryable = true
			}
		}
		return
	}
	var ns *NotSentError
	if errors.As(err, &ns) {
		r.MarkAll(ids, NotAttempted, "", "not attempted: "+ns.Error())
		return
	}
	var ue *UnreachableError
	if errors.As(err, &ue) && ue.RequestID != "" {
		r.RequestIDs = append(r.RequestIDs, ue.RequestID)
	}
	r.MarkAll(ids, Unknown, "", err.Error())
}

// RetryHelps says whether a refusal is one a later retry can get past: the
// vendor was busy or throttling (HTTP 429 or 503, or a throttling code
// such as Huawei Cloud's gateway's APIGW.0308), not a no about the IDs.
func RetryHelps(e *Error) bool {
	if e.Status == 429 || e.Status == 503 {
		return true
	}
	code := strings.ToLower(e.Code)
	for _, c := range []string{"apigw.0308", "throttl", "toomanyrequests", "too_many_requests", "ratelimit", "rate_limit", "resource_exhausted"} {
		if strings.Contains(code, c) {
			return true
		}
	}
	return false
}
