package slack

import (
	"net/http"
	"strconv"
	"time"

	"github.com/incidentbot/incidentbot/bot"
)

// retryOn429 retries a request Slack answered with 429, after the
// Retry-After it gave, as bot.RateLimits allows. A Retry-After longer than
// the policy's wait is not waited for: the caller gets the 429.
type retryOn429 struct {
	next   http.RoundTripper
	policy bot.RetryPolicy
}

func (t *retryOn429) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	for tries := 1; ; tries++ {
		resp, err := next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		after := time.Second
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			after = time.Duration(secs) * time.Second
		}
		wait, again := t.policy.Wait(tries, after)
		if !again || (req.Body != nil && req.GetBody == nil) {
			return resp, nil
		}
		resp.Body.Close()
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		select {
		case <-time.After(wait):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}
