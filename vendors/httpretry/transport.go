package httpretry

import (
	"io"
	"net/http"
	"time"
)

// Transport is an http.RoundTripper that retries 429 and 503 answers as
// Policy allows. When it gives up the caller gets the last refusal, so it
// can say what the server answered; when the request's context ends during
// a wait it gets the context's error. A request whose body cannot be read
// again (no GetBody) is not retried.
type Transport struct {
	Next   http.RoundTripper // nil means http.DefaultTransport
	Policy Policy
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	var resp *http.Response
	var err error
	try := req
	doErr := t.Policy.Do(req.Context(), func() (wait time.Duration, retry bool) {
		if resp != nil { // the refusal before: read to its end so the connection is reused
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if req.GetBody != nil {
				body, gerr := req.GetBody()
				if gerr != nil {
					resp, err = nil, gerr
					return 0, false
				}
				try = req.Clone(req.Context())
				try.Body = body
			}
		}
		resp, err = next.RoundTrip(try)
		if err != nil {
			return 0, false
		}
		wait, retry = Wait(resp)
		return wait, retry && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	})
	if _, gaveUp := doErr.(*GaveUpError); doErr != nil && !gaveUp {
		resp.Body.Close() // the context ended during a wait
		return nil, doErr
	}
	return resp, err
}
