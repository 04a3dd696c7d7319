package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

func TestVendorReadsAndCacheChecksAreCounted(t *testing.T) {
	sb := sandbox.New(sandbox.WithFaults(mustFaults(t, "secmaster.related=500")))
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sm, err := secmaster.New(secmaster.Config{WorkspaceID: "w", BatchSize: 100, Settings: huaweicloud.Settings{
		AccessKey: "ak", SecretKey: "sk", ProjectID: "p", Endpoint: url, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	r := lookup.New(lookup.Config{SecMaster: sm, Metrics: m.Lookups()})
	ctx := context.Background()
	r.SecMasterIncidents(ctx, []string{"inc-1001", "inc-9999"}) // two misses, one read
	r.SecMasterIncidents(ctx, []string{"inc-1001"})             // a hit
	r.LinkedAlerts(ctx, "inc-1001")                             // a failed read

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`incidentbot_vendor_reads_total{op="incidents",outcome="ok",vendor="secmaster"} 1`,
		`incidentbot_vendor_reads_total{op="linked_alerts",outcome="failed",vendor="secmaster"} 1`,
		`incidentbot_vendor_read_seconds_count{op="incidents",vendor="secmaster"} 1`,
		`incidentbot_lookup_cache_total{kind="incidents",result="miss",vendor="secmaster"} 2`,
		`incidentbot_lookup_cache_total{kind="incidents",result="hit",vendor="secmaster"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func mustFaults(t *testing.T, spec string) sandbox.Faults {
	f, err := sandbox.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
