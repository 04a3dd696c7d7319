package wire

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy says how often an idempotent call may be retried after a 429 or
// 503 that carries Retry-After. A call without a Retry-After, or one asking
// for longer than MaxWait, is not retried.
type Policy struct {
	Tries   int           // at most this many requests in all
	MaxWait time.Duration // the longest Retry-After honoured
}

// Once never retries: for calls that are not idempotent (COC create and
// handle).
var Once = Policy{Tries: 1}

// Idempotent is the policy for deletes and unassignment.
var Idempotent = Policy{Tries: 3, MaxWait: 10 * time.Second}

// Do calls attempt until it returns an answer not worth retrying, tries run
// out, or ctx ends during a wait.
func (p Policy) Do(ctx context.Context, attempt func() *Answer) {
	for try := 1; ; try++ {
		a := attempt()
		if try >= p.Tries {
			return
		}
		wait, ok := RetryAfter(a, time.Now())
		if !ok || wait > p.MaxWait {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// RetryAfter reports the wait a 429 or 503 answer asks for (seconds or an
// HTTP date), and whether it asked.
func RetryAfter(a *Answer, now time.Time) (time.Duration, bool) {
	if a == nil || a.Err != nil || (a.Status != http.StatusTooManyRequests && a.Status != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(a.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
