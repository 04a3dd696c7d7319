package slack

import (
	"net/http"
	"strconv"
	"time"
)

// retryOn429 retries a request Slack answered with 429, after the
// Retry-After it gave, a bounded number of times. A Retry-After longer than
// maxWait is not waited for: the caller gets the 429 rather than holding a
// responder's result for minutes.
type retryOn429 struct {
	next       http.RoundTripper
	maxRetries int
	maxWait    time.Duration
}

func (t *retryOn429) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	for attempt := 0; ; attempt++ {
		resp, err := next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt == t.maxRetries {
			return resp, err
		}
		wait := time.Second
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			wait = time.Duration(secs) * time.Second
		}
		if wait > t.maxWait || (req.Body != nil && req.GetBody == nil) {
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
