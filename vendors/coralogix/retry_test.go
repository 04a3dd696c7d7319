package coralogix_test

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

// Unassigning is idempotent: a 429 (Retry-After as a date) and a 503
// (none) are tried again, and the third refusal is the last.
func TestUnassignIsRetriedWithinThreeTries(t *testing.T) {
	var calls atomic.Int32
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat))
			vendortest.Reply(w, 429, map[string]string{"message": "slow down"})
		case 2:
			vendortest.Reply(w, 503, map[string]string{"message": "unavailable"})
		default:
			echo(w, r)
		}
	})
	res, err := newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), []string{"cx-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.IDs(vendors.Done); !reflect.DeepEqual(got, []string{"cx-1"}) || len(srv.Requests()) != 3 {
		t.Fatalf("done %v after %d requests, result %+v", got, len(srv.Requests()), res)
	}

	srv.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		vendortest.Reply(w, 429, map[string]string{"message": "slow down"})
	})
	before := len(srv.Requests())
	_, err = newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), []string{"cx-2"})
	if n := len(srv.Requests()) - before; n != 3 || err == nil || !strings.Contains(err.Error(), "refused the request (HTTP 429): 429: slow down") {
		t.Fatalf("after giving up: %d requests, err %v", n, err)
	}
}
