package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/incidentbot/incidentbot/bot/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// While the store does not answer, store_up reads 0 and the pending count
// is left out (never a made-up -1); once it answers again, both are back.
// The store is asked once per scrape.
func TestStoreUpFollowsTheStore(t *testing.T) {
	m := metrics.New()
	var down atomic.Bool
	var asked atomic.Int32
	m.Pending(func(context.Context) (int, error) {
		asked.Add(1)
		if down.Load() {
			return 0, errors.New("dial tcp 10.0.0.5:6379: connection refused")
		}
		return 7, nil
	})
	up := scrape(t, m)
	if !strings.Contains(up, "\nincidentbot_store_up 1\n") || !strings.Contains(up, "\nincidentbot_confirmations_pending 7\n") {
		t.Fatalf("store answering:\n%s", up)
	}
	down.Store(true)
	out := scrape(t, m)
	if !strings.Contains(out, "\nincidentbot_store_up 0\n") || strings.Contains(out, "incidentbot_confirmations_pending ") {
		t.Fatalf("store down:\n%s", out)
	}
	if asked.Load() != 2 {
		t.Errorf("the store was asked %d times in 2 scrapes", asked.Load())
	}
}

// Label values outside their fixed sets become "unknown"; vendor names
// are recorded in lower case.
func TestLabelValuesAreBoundedAndLowerCase(t *testing.T) {
	m := metrics.New()
	m.VendorRequest("SecMaster", "delete", "done", 0)
	m.VendorRequest("Evil<script>", "delete", "done", 0)
	m.WebhookRejected("teams", "because")
	m.WebhookRejected("discord", metrics.SignatureReason("stale timestamp"))
	out := scrape(t, m)
	for _, want := range []string{
		`incidentbot_vendor_requests_total{operation="delete",outcome="done",vendor="secmaster"} 1`,
		`incidentbot_vendor_requests_total{operation="delete",outcome="done",vendor="unknown"} 1`,
		`incidentbot_webhooks_rejected_total{platform="unknown",reason="unknown"} 1`,
		`incidentbot_webhooks_rejected_total{platform="discord",reason="stale"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
