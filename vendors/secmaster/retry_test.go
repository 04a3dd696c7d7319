package secmaster_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// refuseFirst answers the first n requests with status (and Retry-After
// when after is not empty), then as SecMaster does on success.
func refuseFirst(n int32, status int, after string) http.HandlerFunc {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			if after != "" {
				w.Header().Set("Retry-After", after)
			}
			vendortest.Reply(w, status, map[string]string{"code": "APIGW.0308", "message": "throttled"})
			return
		}
		echoSuccess("batch_ids")(w, r)
	}
}

// Deleting is idempotent: a 429 or 503 is tried again, whichever form the
// Retry-After takes, or after a second without one.
func TestDeleteIsRetriedAfterARefusal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		after  string
	}{
		{"429 with a date", 429, time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat)},
		{"503 with seconds", 503, "0"},
		{"429 without Retry-After", 429, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := vendortest.New(t, refuseFirst(1, tc.status, tc.after))
			res, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1", "b-2"})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.IDs(vendors.Done); !reflect.DeepEqual(got, []string{"a-1", "b-2"}) {
				t.Fatalf("done = %v, result %+v", got, res)
			}
			if n := len(srv.Requests()); n != 2 {
				t.Fatalf("SecMaster received %d requests, want 2", n)
			}
		})
	}
}

func TestDeleteGivesUpAfterThreeTries(t *testing.T) {
	srv := vendortest.New(t, refuseFirst(100, 429, "0"))
	_, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1"})
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("SecMaster received %d requests, want 3", n)
	}
	if err == nil || !strings.Contains(err.Error(), "refused the request (HTTP 429): APIGW.0308: throttled") {
		t.Fatalf("the responder should see the vendor's refusal, got %v", err)
	}
}

// A Retry-After over 10 s is not waited for: the responder hears at once.
func TestDeleteDoesNotWaitALongRetryAfter(t *testing.T) {
	srv := vendortest.New(t, refuseFirst(100, 503, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)))
	_, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1"})
	if n := len(srv.Requests()); n != 1 || err == nil || !strings.Contains(err.Error(), "HTTP 503: APIGW.0308: throttled") {
		t.Fatalf("%d requests, err %v", n, err)
	}
}
