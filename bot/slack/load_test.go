//go:build bench

package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// TestLoadFigures reports, without asserting any timing, what issue 9
// asks to see: goroutines and sockets while 5,000 confirmations expire
// with a slow Slack, and heap and RSS after 100,000 flood attempts.
//
//	go test -tags bench ./bot/slack -run TestLoadFigures -v -count 1
func TestLoadFigures(t *testing.T) {
	t.Run("5000 expiries, slow Slack", func(t *testing.T) {
		f := newFixtureWith(t, fixtureOptions{})
		var posts atomic.Int64
		f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/response/") {
				time.Sleep(50 * time.Millisecond) // a slow Slack
				posts.Add(1)
			}
			vendortest.Reply(w, 200, map[string]any{"ok": true})
		})
		const n = 5000
		for i := 0; i < n; i++ {
			status, _ := f.slash(t, fmt.Sprintf("U%d", i%250), "delete inc-1 inc-2")
			if status != 200 {
				t.Fatalf("slash %d: %d", i, status)
			}
		}
		before := sample()
		f.clock.Add(6 * time.Minute)
		done := make(chan int)
		go func() { done <- f.bot.Sweep(context.Background()) }()
		peak := before
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		swept := -1
		for swept < 0 || posts.Load() < n {
			select {
			case swept = <-done:
			case <-tick.C:
				peak = peak.max(sample())
			case <-time.After(2 * time.Minute):
				t.Fatalf("only %d of %d expiry updates arrived", posts.Load(), n)
			}
		}
		t.Logf("expired %d confirmations; %d updates posted; before: %s; peak while expiring: %s", swept, posts.Load(), before, peak)
	})
	t.Run("one user, 100000 delete attempts", func(t *testing.T) {
		f := newFixtureWith(t, fixtureOptions{limits: pending.Limits{PerUser: 20, Total: 10000}})
		mux := http.NewServeMux()
		f.adapter.Routes(mux)
		runtime.GC()
		before := sample()
		refused := 0
		for i := 0; i < 100000; i++ {
			form := url.Values{"command": {"/incident"}, "text": {"delete inc-1001 inc-1002"}, "user_id": {"U1"}, "channel_id": {"C1"},
				"response_url": {"https://hooks.slack.com/commands/T1/" + strconv.Itoa(i) + "/x"}}
			body := form.Encode()
			req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
			f.signer(f.clock.Now())(req.Header, []byte(body))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			if strings.Contains(w.Body.String(), "Nothing was run") {
				refused++
			}
		}
		runtime.GC()
		t.Logf("100000 attempts by one user, %d refused by the caps (stored: %d); before: %s; after (GC'd): %s", refused, 100000-refused, before, sample())
	})
	t.Run("1000 users, 100000 attempts of 200 IDs", func(t *testing.T) {
		f := newFixtureWith(t, fixtureOptions{limits: pending.Limits{PerUser: 20, Total: 10000}})
		mux := http.NewServeMux()
		f.adapter.Routes(mux)
		ids := make([]string, 200)
		for i := range ids {
			ids[i] = fmt.Sprintf("909494e3-558e-46b6-a9eb-%012d", i)
		}
		text := "delete " + strings.Join(ids, " ")
		runtime.GC()
		before := sample()
		refused := 0
		for i := 0; i < 100000; i++ {
			form := url.Values{"command": {"/incident"}, "text": {text}, "user_id": {fmt.Sprintf("U%d", i%1000)}, "channel_id": {"C1"},
				"response_url": {"https://hooks.slack.com/commands/T1/" + strconv.Itoa(i) + "/x"}}
			body := form.Encode()
			req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
			f.signer(f.clock.Now())(req.Header, []byte(body))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			if strings.Contains(w.Body.String(), "Nothing was run") {
				refused++
			}
		}
		runtime.GC()
		after := sample()
		if path := os.Getenv("LOAD_HEAP_PROFILE"); path != "" {
			if out, err := os.Create(path); err == nil {
				_ = pprof.WriteHeapProfile(out)
				out.Close()
			}
		}
		t.Logf("100000 attempts, %d refused by the caps (stored: %d); before: %s; after (GC'd): %s", refused, 100000-refused, before, after)
	})
}

type figures struct {
	goroutines, fds, sockets int
	heapMiB, rssMiB, hwmMiB  float64
}

func (a figures) max(b figures) figures {
	return figures{goroutines: max(a.goroutines, b.goroutines), fds: max(a.fds, b.fds), sockets: max(a.sockets, b.sockets),
		heapMiB: max(a.heapMiB, b.heapMiB), rssMiB: max(a.rssMiB, b.rssMiB), hwmMiB: max(a.hwmMiB, b.hwmMiB)}
}

func (a figures) String() string {
	return fmt.Sprintf("goroutines %d, fds %d (sockets %d), heap %.1f MiB, RSS %.1f MiB (peak %.1f MiB)", a.goroutines, a.fds, a.sockets, a.heapMiB, a.rssMiB, a.hwmMiB)
}

// sample reads the process's figures (Linux: /proc/self).
func sample() figures {
	var f figures
	f.goroutines = runtime.NumGoroutine()
	entries, _ := os.ReadDir("/proc/self/fd")
	f.fds = len(entries)
	for _, e := range entries {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			f.sockets++
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	f.heapMiB = float64(m.HeapAlloc) / (1 << 20)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			f.rssMiB = kb / 1024
		case "VmHWM:":
			f.hwmMiB = kb / 1024
		}
	}
	return f
}
