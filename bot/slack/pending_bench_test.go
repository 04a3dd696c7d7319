//go:build bench

package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/pending"
)

// BenchmarkPendingConfirmation measures what one pending confirmation
// costs in memory when it arrives through the Slack adapter: the heap a
// signed "/incident delete" with 2 or 200 UUIDs leaves behind once
// garbage is collected (the stored record, the expiry schedule, the
// replay cache's entry for the request's signature), divided by the
// number of commands. It reports B/pending, and B/pending beyond the IDs'
// own bytes. UUIDs are kept as 16 bytes; IDs of another form as they are:
//
//	go test -tags bench ./bot/slack -run '^$' -bench PendingConfirmation -benchtime 20000x
func BenchmarkPendingConfirmation(b *testing.B) {
	for _, c := range []struct {
		n    int
		form string // of each ID, with its number
	}{{2, "909494e3-558e-46b6-a9eb-%012d"}, {200, "909494e3-558e-46b6-a9eb-%012d"}, {200, "SIR-2026-11-22-incident-%012d"}} {
		n := c.n
		name := fmt.Sprintf("ids=%d", n)
		if !strings.Contains(c.form, "909494e3") {
			name += ",not-UUIDs"
		}
		b.Run(name, func(b *testing.B) {
			store := pending.NewMemory()
			f := newFixtureWith(b, fixtureOptions{options: []func(*fixture, *bot.Options){func(_ *fixture, o *bot.Options) { o.Store = store }}})
			mux := http.NewServeMux()
			f.adapter.Routes(mux)
			ids := make([]string, n)
			idBytes := 0
			for i := range ids {
				ids[i] = fmt.Sprintf(c.form, i)
				idBytes += len(ids[i])
			}
			text := "delete " + strings.Join(ids, " ")
			sign := f.signer(f.clock.Now())
			request := func(i int) *http.Request {
				form := url.Values{"command": {"/incident"}, "text": {text}, "user_id": {fmt.Sprintf("U%08d", i%1000)}, "user_name": {"responder"},
					"channel_id": {"C2147483705"}, "trigger_id": {fmt.Sprintf("13345224609.738474920.%d", i)},
					"response_url": {"https://hooks.slack.com/commands/T0001/" + strconv.Itoa(1000000000000+i) + "/aBcDeFgHiJkLmNoPqRsTuVwX"}}
				body := form.Encode()
				req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				sign(req.Header, []byte(body))
				return req
			}
			before := heapAfterGC()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, request(i))
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Confirm") {
					b.Fatalf("%d: %s", w.Code, w.Body.String())
				}
			}
			b.StopTimer()
			after := heapAfterGC()
			if open, _ := store.Stats(context.Background()); open != b.N {
				b.Fatalf("%d pending, want %d", open, b.N)
			}
			per := float64(int64(after)-int64(before)) / float64(b.N)
			b.ReportMetric(per, "B/pending")
			b.ReportMetric(per-float64(idBytes), "B/pending-beyond-IDs")
			runtime.KeepAlive(f)
		})
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
