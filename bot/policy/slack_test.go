package policy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const token = "xoxb-secret-token"

func slackServer(t *testing.T, status int, body string, hdr map[string]string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/usergroups.users.list" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("Authorization = %q", got)
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("usergroup") != "S0SECOPS" {
			t.Errorf("form = %v, %v", r.PostForm, err)
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestSlackGroups(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		hdr     map[string]string
		members []string
		err     string
	}{
		{"members", 200, `{"ok":true,"users":["USECOPS","U024BE7LH"]}`, nil, []string{"USECOPS", "U024BE7LH"}, ""},
		{"Slack error", 200, `{"ok":false,"error":"no_such_subteam"}`, nil, nil, "usergroups.users.list: no_such_subteam"},
		{"missing scope", 200, `{"ok":false,"error":"missing_scope","needed":"usergroups:read"}`, nil, nil,
			"usergroups.users.list: missing_scope (the bot token needs usergroups:read)"},
		{"server error", 503, `upstream down`, nil, nil, "usergroups.users.list: HTTP 503, retry after 1s"},
		{"rate limited", 429, ``, map[string]string{"Retry-After": "30"}, nil, "usergroups.users.list: HTTP 429, retry after 30s"},
		{"not JSON", 200, `<html>`, nil, nil, "usergroups.users.list: unreadable answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := slackServer(t, tc.status, tc.body, tc.hdr)
			g := &SlackGroups{BaseURL: srv.URL + "/", Token: token, Client: srv.Client()}
			m, err := g.Members(context.Background(), "S0SECOPS")
			// A 503 without Retry-After is tried again after 1 s; the next
			// wait would pass the 1.5 s budget, so the look-up gives up.
			want := int32(1)
			if tc.status == 503 {
				want = 2
			}
			if calls.Load() != want {
				t.Errorf("%d calls, want %d", calls.Load(), want)
			}
			if tc.err == "" {
				if err != nil || strings.Join(m, ",") != strings.Join(tc.members, ",") {
					t.Errorf("Members = %v, %v", m, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %s", err, tc.err)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

// A 429 is waited out within the budget: with Retry-After as seconds or
// as a date, the second answer is the one used.
func TestSlackGroupsRetriesARateLimitWithinTheBudget(t *testing.T) {
	for name, after := range map[string]string{
		"seconds": "0",
		"date":    time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat),
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", after)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, `{"ok":true,"users":["USECOPS"]}`)
			}))
			defer srv.Close()
			g := &SlackGroups{BaseURL: srv.URL, Token: token}
			m, err := g.Members(context.Background(), "S0SECOPS")
			if err != nil || strings.Join(m, ",") != "USECOPS" || calls.Load() != 2 {
				t.Fatalf("Members = %v, %v after %d calls", m, err, calls.Load())
			}
		})
	}
}

// A Slack that keeps refusing is asked three times at most, and the look-up
// fails (so the rule refuses) rather than waiting on.
func TestSlackGroupsGivesUpAfterThreeTries(t *testing.T) {
	srv, calls := slackServer(t, 429, ``, map[string]string{"Retry-After": "0"})
	g := &SlackGroups{BaseURL: srv.URL, Token: token}
	_, err := g.Members(context.Background(), "S0SECOPS")
	if err == nil || !strings.Contains(err.Error(), "HTTP 429") || calls.Load() != 3 {
		t.Fatalf("err = %v after %d calls", err, calls.Load())
	}
}

func TestSlackGroupsUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	g := &SlackGroups{BaseURL: srv.URL, Token: token}
	if _, err := g.Members(context.Background(), "S0SECOPS"); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("err = %v", err)
	}
}

// End to end: the policy, the one-minute cache and Slack's API. While Slack
// answers, the secops member may approve; when the cache is stale and
// Slack is down, the approval is refused, saying why.
func TestPolicyAsksSlackThroughTheCache(t *testing.T) {
	var down atomic.Bool
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		io.WriteString(w, `{"ok":true,"users":["USECOPS"]}`)
	}))
	defer srv.Close()
	clk := &clock{t: time.Unix(0, 0)}
	p := example(t, NewGroupCache(&SlackGroups{BaseURL: srv.URL, Token: token}, 0, clk.now))
	ctx := context.Background()
	for range 3 {
		if ok, why := p.MayApprove(ctx, p.Rules[0], secops); !ok {
			t.Fatalf("refused: %s", why)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls to Slack within a minute, want 1", calls.Load())
	}
	down.Store(true)
	clk.add(2 * time.Minute)
	ok, why := p.MayApprove(ctx, p.Rules[0], secops)
	if ok || !strings.Contains(why, "Slack could not be asked who is in slack:group:S0SECOPS (usergroups.users.list: HTTP 502)") {
		t.Errorf("Slack down: %v, %s", ok, why)
	}
}
