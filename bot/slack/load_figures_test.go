//go:build bench

package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// TestLoadStopNotices reports, without asserting any timing, what issue
// 21.8 asks to see: of 300 open confirmations, how many messages a stop
// with a 5 s budget updates when the platform answers in 300 ms (and of
// 2,000 with a 2 s budget, the finding's case).
//
//	go test ./bot/slack -run TestLoadStopNotices -tags bench -v -count 1
func TestLoadStopNotices(t *testing.T) {
	for _, tc := range []struct {
		open   int
		budget time.Duration
	}{{300, 5 * time.Second}, {2000, 2 * time.Second}} {
		f := newFixtureTTL(t, 10*time.Minute, forgetOnStop)
		for i := range tc.open {
			f.slash(t, fmt.Sprintf("U%04d", i%1000), "delete inc-1")
		}
		var told atomic.Int64
		f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/response/") {
				time.Sleep(300 * time.Millisecond)
				told.Add(1)
			}
			vendortest.Reply(w, 200, map[string]any{"ok": true})
		})
		ctx, cancel := context.WithTimeout(context.Background(), tc.budget)
		began := time.Now()
		f.bot.Stop(ctx)
		took := time.Since(began)
		cancel()
		n := told.Load()
		t.Logf("stop: %d of %d open confirmations told (%.0f%%) in %v, budget %v, platform 300 ms", n, tc.open, 100*float64(n)/float64(tc.open),
			took.Round(time.Millisecond), tc.budget)
	}
}

// TestLoadConfirmBehindRefusedClicks reports, without asserting any
// timing, what issue 21.2 asks to see: with 400 refused clicks in flight
// (anyone may press a public confirmation's buttons, and each refusal is
// a private note to response_url), how long a requester's Confirm takes
// to reach the vendor, when Slack's response_url answers in 2 s and when
// it hangs.
//
//	go test ./bot/slack -run TestLoadConfirmBehindRefusedClicks -tags bench -v -count 1
func TestLoadConfirmBehindRefusedClicks(t *testing.T) {
	for _, tc := range []struct {
		name string
		hang bool
	}{{"response_url answers in 2s", false}, {"response_url hangs", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			stop := make(chan struct{})
			t.Cleanup(func() { close(stop) })
			f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/response/") {
					wait := time.After(2 * time.Second)
					if tc.hang {
						wait = nil
					}
					select {
					case <-wait:
					case <-stop:
					case <-r.Context().Done():
						return
					}
				}
				vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
			})
			var mu sync.Mutex
			var firstCall time.Time
			f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				if firstCall.IsZero() && r.Method == http.MethodDelete {
					firstCall = time.Now()
				}
				mu.Unlock()
				vendortest.SecMasterEcho(w, r)
			})
			confirm, _ := f.confirmation(t, "U0ALICE")

			const refused = 400
			var wg sync.WaitGroup
			for i := range refused {
				wg.Add(1)
				go func() { defer wg.Done(); f.click(t, fmt.Sprintf("U0OTHER%d", i), confirm) }()
			}
			wg.Wait() // every refused click acknowledged; their notes in flight
			goroutines := runtime.NumGoroutine()
			clicked := time.Now()
			f.click(t, "U0ALICE", confirm)
			deadline := time.Now().Add(3 * time.Minute)
			for {
				mu.Lock()
				first := firstCall
				mu.Unlock()
				if !first.IsZero() {
					t.Logf("%s: Confirm to first vendor call %v (%d refused clicks in flight, %d goroutines at the Confirm)",
						tc.name, first.Sub(clicked).Round(time.Millisecond), refused, goroutines)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: no vendor call within 3 minutes of the Confirm", tc.name)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}
