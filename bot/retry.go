package bot

import "time"

// RetryPolicy bounds how long a chat platform's 429 is waited out. Past
// it the caller gives up and falls back: a responder's result must not hang
// for minutes behind a rate limit.
type RetryPolicy struct {
	MaxTries int           // tries in all, the first included
	MaxWait  time.Duration // the longest single wait
}

// RateLimits is the policy every adapter follows.
var RateLimits = RetryPolicy{MaxTries: 3, MaxWait: 10 * time.Second}

// Wait says how long to wait after try number tries (1 for the first) was
// refused with retryAfter, or false when it is time to give up.
func (p RetryPolicy) Wait(tries int, retryAfter time.Duration) (time.Duration, bool) {
	if tries >= p.MaxTries || retryAfter > p.MaxWait {
		return 0, false
	}
	if retryAfter < 0 {
		retryAfter = 0
	}
	return retryAfter, true
}
