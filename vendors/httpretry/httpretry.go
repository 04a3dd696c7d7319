// Package httpretry is the one retry policy for calls to chat platforms and
// vendors: which answers are retried (429 and 503), how long to wait
// (Retry-After in either form, a default when it is absent), and when to
// give up (a number of tries, a longest wait, the caller's context).
//
// It sits under vendors/ so that both bot/ and vendors/ may import it.
package httpretry

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultWait is the wait assumed when a 429 or 503 carries no usable
// Retry-After.
const DefaultWait = time.Second

// Policy bounds how long a refused call is retried: past it the caller
// gives up and reports, so a responder's result never hangs for minutes
// behind a rate limit.
type Policy struct {
	Tries   int           // requests in all, the first included
	MaxWait time.Duration // the longest single wait; asked for longer, give up
}

// Default is the policy of every idempotent call: 3 tries, never a wait
// over 10 s.
var Default = Policy{Tries: 3, MaxWait: 10 * time.Second}

// Once never retries: for calls that are not idempotent (COC create and
// handle), where a retry could act twice.
var Once = Policy{Tries: 1}

// Retryable reports whether an HTTP status is worth retrying: 429 (rate
// limited) and 503 (unavailable).
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// After is the wait a Retry-After header asks for, in delta-seconds ("5")
// or as an HTTP date, measured from now. Absent or unreadable, it is
// DefaultWait; a date in the past is no wait.
func After(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return DefaultWait
}

// Wait is the wait a response asks for, and whether it is worth retrying.
func Wait(resp *http.Response) (time.Duration, bool) {
	if resp == nil || !Retryable(resp.StatusCode) {
		return 0, false
	}
	return After(resp.Header, time.Now()), true
}

// GaveUpError says a call was still refused when the policy ran out.
type GaveUpError struct {
	Tries int           // requests made
	Wait  time.Duration // the wait the last refusal asked for
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("still refused after %d tries (it asked to wait %s)", e.Tries, e.Wait)
}

// Do calls attempt until it says not to retry, returning nil. Otherwise it
// waits as attempt asks and tries again, up to p.Tries in all; it gives up
// with a *GaveUpError when tries run out, when the wait asked is over
// p.MaxWait, or when ctx's deadline would pass during the wait, and with
// ctx.Err() when ctx ends while waiting.
func (p Policy) Do(ctx context.Context, attempt func() (wait time.Duration, retry bool)) error {
	for try := 1; ; try++ {
		wait, retry := attempt()
		if !retry {
			return nil
		}
		wait = max(wait, 0)
		if try >= p.Tries || wait > p.MaxWait {
			return &GaveUpError{Tries: try, Wait: wait}
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return &GaveUpError{Tries: try, Wait: wait}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
