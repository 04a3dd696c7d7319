package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

// refusing answers the first refusals requests with status and header,
// then 200 with the body it was sent; it keeps every body it received.
type refusing struct {
	mu       sync.Mutex
	bodies   []string
	refusals int
	status   int
	header   func() (string, string)
}

func (s *refusing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	n := len(s.bodies)
	s.mu.Unlock()
	if n <= s.refusals {
		if s.header != nil {
			k, v := s.header()
			w.Header().Set(k, v)
		}
		w.WriteHeader(s.status)
		_, _ = io.WriteString(w, "refused")
		return
	}
	_, _ = io.WriteString(w, "ok:"+string(b))
}

func (s *refusing) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func post(t *testing.T, ctx context.Context, s *refusing) (*http.Response, string, error) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := &http.Client{Transport: &httpretry.Transport{Policy: httpretry.Default}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func header(k, v string) func() (string, string) { return func() (string, string) { return k, v } }

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	past := header("Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
	s := &refusing{refusals: 1, status: http.StatusTooManyRequests, header: past}
	resp, body, err := post(t, context.Background(), s)
	if err != nil || resp.StatusCode != 200 || body != "ok:hello" {
		t.Fatalf("after a 429 with a past date: %v %v %q", resp, err, body)
	}
	if got := s.requests(); len(got) != 2 || got[1] != "hello" {
		t.Fatalf("server received %q, want the same body twice", got)
	}

	// A date an hour ahead is an hour's wait: past the cap, so not waited for.
	later := header("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	s = &refusing{refusals: 1, status: http.StatusTooManyRequests, header: later}
	resp, body, err = post(t, context.Background(), s)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || body != "refused" || len(s.requests()) != 1 {
		t.Fatalf("a 429 asking for an hour: %v %v %q after %d requests", resp, err, body, len(s.requests()))
	}
}

func TestServiceUnavailableIsRetried(t *testing.T) {
	s := &refusing{refusals: 2, status: http.StatusServiceUnavailable, header: header("Retry-After", "0")}
	resp, body, err := post(t, context.Background(), s)
	if err != nil || resp.StatusCode != 200 || body != "ok:hello" || len(s.requests()) != 3 {
		t.Fatalf("after two 503s: %v %v %q after %d requests", resp, err, body, len(s.requests()))
	}
}

func TestNoRetryAfterWaitsTheDefault(t *testing.T) {
	if got := httpretry.After(http.Header{}, time.Now()); got != httpretry.DefaultWait {
		t.Fatalf("no header: wait %s, want %s", got, httpretry.DefaultWait)
	}
	if got := httpretry.After(http.Header{"Retry-After": {"soon"}}, time.Now()); got != httpretry.DefaultWait {
		t.Fatalf("unreadable header: wait %s, want %s", got, httpretry.DefaultWait)
	}
	s := &refusing{refusals: 1, status: http.StatusTooManyRequests}
	resp, body, err := post(t, context.Background(), s)
	if err != nil || resp.StatusCode != 200 || body != "ok:hello" || len(s.requests()) != 2 {
		t.Fatalf("after a 429 without Retry-After: %v %v %q after %d requests", resp, err, body, len(s.requests()))
	}
}

func TestGivesUpAfterThreeTries(t *testing.T) {
	s := &refusing{refusals: 100, status: http.StatusTooManyRequests, header: header("Retry-After", "0")}
	resp, body, err := post(t, context.Background(), s)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || body != "refused" {
		t.Fatalf("the caller should see the last 429: %v %v %q", resp, err, body)
	}
	if n := len(s.requests()); n != 3 {
		t.Fatalf("server received %d requests, want 3", n)
	}
}

func TestOtherStatusesAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 500, 502} {
		s := &refusing{refusals: 1, status: status, header: header("Retry-After", "0")}
		resp, _, err := post(t, context.Background(), s)
		if err != nil || resp.StatusCode != status || len(s.requests()) != 1 {
			t.Fatalf("%d: %v %v after %d requests", status, resp, err, len(s.requests()))
		}
	}
}

// A wait that would outlast the caller's deadline is not started: the
// caller gets the refusal at once, not a timeout later.
func TestAWaitPastTheDeadlineIsNotStarted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s := &refusing{refusals: 1, status: http.StatusTooManyRequests, header: header("Retry-After", "5")}
	resp, _, err := post(t, ctx, s)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || len(s.requests()) != 1 {
		t.Fatalf("%v %v after %d requests", resp, err, len(s.requests()))
	}
}

func TestCancelledDuringAWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &refusing{refusals: 1, status: http.StatusServiceUnavailable, header: header("Retry-After", "5")}
	time.AfterFunc(100*time.Millisecond, cancel)
	_, _, err := post(t, ctx, s)
	if !errors.Is(err, context.Canceled) || len(s.requests()) != 1 {
		t.Fatalf("err %v after %d requests, want context.Canceled after 1", err, len(s.requests()))
	}
}

func TestOnceNeverRetries(t *testing.T) {
	calls := 0
	err := httpretry.Once.Do(context.Background(), func() (time.Duration, bool) { calls++; return 0, true })
	var gaveUp *httpretry.GaveUpError
	if !errors.As(err, &gaveUp) || calls != 1 || gaveUp.Tries != 1 {
		t.Fatalf("Once: %d calls, err %v", calls, err)
	}
}
