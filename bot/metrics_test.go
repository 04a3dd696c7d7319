package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// opsFixture is a bot with metrics over real SecMaster and COC clients
// (SecMaster in calls of 60 IDs) and recording vendor servers.
type opsFixture struct {
	bot       *bot.Bot
	metrics   *metrics.Metrics
	secmaster *vendortest.Server
	coc       *vendortest.Server
}

func newOpsFixture(t *testing.T) *opsFixture {
	t.Helper()
	f := &opsFixture{metrics: metrics.New()}
	f.secmaster = vendortest.New(t, vendortest.SecMasterEcho)
	f.coc = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM202611220042"}})
	})
	f.bot = bot.New(commands.New(bottest.HuaweiDepsBatch(t, f.secmaster.URL, f.coc.URL, 60)),
		bot.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: f.metrics, SweepEvery: -1})
	t.Cleanup(f.bot.Close)
	return f
}

// scrape reads /metrics through the real handler.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func manyIDs(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " inc-%d", i)
	}
	return b.String()
}

func (f *opsFixture) handle(t *testing.T, line string) bot.Outcome {
	return f.bot.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: line})
}

func TestMetricsCountCommandsConfirmationsAndVendorRequests(t *testing.T) {
	f := newOpsFixture(t)
	ctx := context.Background()
	create := f.handle(t, `create --title "DB down" --description "since 02:10" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`)
	create.Work(ctx, nil)
	o := f.handle(t, "delete"+manyIDs(180))
	click(f.bot, reply.Cancel, bob, o.Token) // refused: not the requester
	click(f.bot, reply.Confirm, alice, o.Token).Work(ctx, nil)
	click(f.bot, reply.Confirm, alice, o.Token) // refused: already confirmed
	f.handle(t, "delte inc-1")                  // usage error, unknown verb
	f.handle(t, "delete inc-1.")                // usage error, known verb
	c := f.handle(t, "delete inc-9")
	click(f.bot, reply.Cancel, alice, c.Token)
	f.handle(t, "delete inc-10") // left pending

	body := scrape(t, f.metrics)
	for _, want := range []string{
		`incidentbot_commands_total{platform="slack",result="ok",verb="create"} 1`,
		`incidentbot_commands_total{platform="slack",result="ok",verb="delete"} 3`,
		`incidentbot_commands_total{platform="slack",result="usage_error",verb="delete"} 1`,
		`incidentbot_commands_total{platform="slack",result="usage_error",verb="unknown"} 1`,
		`incidentbot_confirmations_total{outcome="confirmed"} 1`,
		`incidentbot_confirmations_total{outcome="cancelled"} 1`,
		`incidentbot_confirmations_total{outcome="refused"} 2`,
		`incidentbot_confirmations_pending 1`,
		`incidentbot_vendor_requests_total{operation="delete",outcome="done",vendor="secmaster"} 3`,
		`incidentbot_vendor_requests_total{operation="create",outcome="done",vendor="coc"} 1`,
		`incidentbot_vendor_request_duration_seconds_count{operation="delete",vendor="secmaster"} 3`,
		`incidentbot_vendor_request_duration_seconds_count{operation="create",vendor="coc"} 1`,
		`go_goroutines `,
		`process_`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "delte") || strings.Contains(body, "inc-1") {
		t.Errorf("user input reached a label:\n%s", body)
	}
}

func TestVendorRefusalsAndTimeoutsAreCountedApart(t *testing.T) {
	f := newOpsFixture(t)
	f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 403, map[string]any{"error_code": "SecMaster.20010001", "error_msg": "no permission"})
	})
	o := f.handle(t, "delete inc-1")
	click(f.bot, reply.Confirm, alice, o.Token).Work(context.Background(), nil)
	body := scrape(t, f.metrics)
	if want := `incidentbot_vendor_requests_total{operation="delete",outcome="refused",vendor="secmaster"} 1`; !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}
