package coc_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// Creating an incident is not idempotent: a 429 or 503, even one asking for
// no wait at all, is reported, never sent again (a retry could open two).
func TestCreateIsNeverRetried(t *testing.T) {
	for _, status := range []int{429, 503} {
		srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			vendortest.Reply(w, status, map[string]any{"error_code": "COC.00040001", "error_msg": "busy"})
		})
		_, err := newClient(t, srv.URL).CreateIncident(context.Background(), vendors.NewIncident{Title: "DB down", Level: "level_20"})
		if err == nil {
			t.Fatalf("%d: no error", status)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Fatalf("%d: COC received %d create requests, want 1", status, n)
		}
	}
}
