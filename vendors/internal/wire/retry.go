package wire

import (
	"context"
	"time"

	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

// Retry calls attempt until its answer is not a 429 or 503, or policy
// gives up (tries run out, the wait asked is too long, ctx ends). Only
// idempotent calls may pass a policy of more than one try: COC create and
// handle pass httpretry.Once.
func Retry(ctx context.Context, policy httpretry.Policy, attempt func() *Answer) {
	_ = policy.Do(ctx, func() (time.Duration, bool) {
		a := attempt()
		if a == nil || a.Err != nil || !httpretry.Retryable(a.Status) {
			return 0, false
		}
		return httpretry.After(a.Header, time.Now()), true
	})
}
