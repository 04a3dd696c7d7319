package discord_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// A 503 from Discord's REST API is waited out like a 429: with Retry-After
// as a date, or a second without one; after three refusals the edit is
// given up and the result reaches the user privately.
func TestUnavailableDiscordIsRetriedWithinABound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		refusals int
		after    string
		edits    int
	}{
		{"date", 1, time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat), 2},
		{"no header", 1, "", 2},
		{"always", 100, "0", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var mu sync.Mutex
			patches := 0
			f.api.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPatch {
					mu.Lock()
					patches++
					refuse := patches <= tc.refusals
					mu.Unlock()
					if refuse {
						if tc.after != "" {
							w.Header().Set("Retry-After", tc.after)
						}
						w.WriteHeader(http.StatusServiceUnavailable)
						return
					}
				}
				discordAPI(w, r)
			})
			confirm, _ := f.confirmation(t, "U-ALICE")
			f.send(t, click("c1", "U-ALICE", confirm), nil)
			f.adapter.Wait()
			if n := len(f.rest(http.MethodPatch, "tok-c1")); n != tc.edits {
				t.Fatalf("Discord received %d edits, want %d", n, tc.edits)
			}
			var told bool
			for _, p := range f.rest(http.MethodPost, "/webhooks/app-1/tok-c1") {
				told = told || (strings.Contains(string(p.Body), "could not be updated") && strings.Contains(string(p.Body), "SecMaster: deleted 2 of 2"))
			}
			if told != (tc.refusals > tc.edits) {
				t.Fatalf("told privately = %v: %v", told, f.rest(http.MethodPost, "/webhooks/app-1/tok-c1"))
			}
		})
	}
}
