// Package wire records what a vendor's HTTP answer was, as far as it got,
// and judges it: done (a complete JSON 2xx), refused (the vendor said no)
// or unknown (no trustworthy answer). It is shared by the Huawei Cloud
// clients, which send through the SDK, and the Coralogix client.
package wire

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
)

// MaxBody bounds how much of an answer is kept.
const MaxBody = 1 << 20

// Answer is one HTTP exchange as far as it got.
type Answer struct {
	Err      error       // the request failed before any answer (reset, refused, timeout)
	Status   int         // the HTTP status, when headers came
	Header   http.Header // the answer's headers
	Body     []byte      // the first MaxBody bytes of the body that were read
	Complete bool        // the body was read to its end
	ReadErr  error       // reading the body failed (cut connection, timeout)
}

// RequestID is the vendor's request ID (X-Request-Id, any case).
func (a *Answer) RequestID() string {
	if a == nil || a.Header == nil {
		return ""
	}
	return a.Header.Get("X-Request-Id")
}

// Recorder is an http.RoundTripper for one call: it sends every request
// with the call's context (so its deadline and cancellation reach the
// connection, even when the request was built without it) and records
// every answer.
type Recorder struct {
	Ctx  context.Context // the call's context; nil keeps the request's own
	Next http.RoundTripper

	mu      sync.Mutex
	answers []*Answer
}

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.Ctx != nil {
		req = req.WithContext(r.Ctx)
	}
	a := &Answer{}
	r.mu.Lock()
	r.answers = append(r.answers, a)
	r.mu.Unlock()
	resp, err := r.Next.RoundTrip(req)
	if err != nil {
		a.Err = err
		return nil, err
	}
	a.Status, a.Header = resp.StatusCode, resp.Header.Clone()
	resp.Body = &recordingBody{rc: resp.Body, a: a}
	return resp, nil
}

// Last returns the last answer, or nil when no request was sent.
func (r *Recorder) Last() *Answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.answers) == 0 {
		return nil
	}
	return r.answers[len(r.answers)-1]
}

// Do sends req with c and reads the whole answer.
func Do(c *http.Client, req *http.Request) *Answer {
	rec := &Recorder{Next: c.Transport}
	if rec.Next == nil {
		rec.Next = http.DefaultTransport
	}
	cc := *c
	cc.Transport = rec
	resp, err := cc.Do(req)
	a := rec.Last()
	if a == nil {
		a = &Answer{}
	}
	if err != nil {
		if a.Err == nil && a.Status == 0 {
			a.Err = err
		}
		return a
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return a
}

type recordingBody struct {
	rc io.ReadCloser
	a  *Answer
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if room := MaxBody - len(b.a.Body); room > 0 {
		b.a.Body = append(b.a.Body, p[:min(n, room)]...)
	}
	switch {
	case errors.Is(err, io.EOF):
		if b.a.ReadErr == nil {
			b.a.Complete = true
		}
	case err != nil:
		b.a.ReadErr = err
	}
	return n, err
}

func (b *recordingBody) Close() error { return b.rc.Close() }
