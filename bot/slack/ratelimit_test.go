package slack_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// Slack's Web API answering 429 or 503 is tried again (Retry-After as a
// date, as seconds, or a second without one), three times at most; past
// that the next route is tried. Here the response_url is gone, so the
// result goes by chat.postEphemeral.
func TestSlackWebAPIRefusalIsRetriedWithinABound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		refusals int
		after    string
		posts    int
	}{
		{"429 with a date", 429, 1, time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat), 2},
		{"503 with seconds", 503, 2, "0", 3},
		{"429 without Retry-After", 429, 1, "", 2},
		{"429 always", 429, 100, "0", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			confirmID, _ := f.confirmation(t, "U-ALICE")
			var mu sync.Mutex
			posts := 0
			f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.Contains(r.URL.Path, "/response/"):
					w.WriteHeader(http.StatusInternalServerError)
					return
				case strings.HasSuffix(r.URL.Path, "/chat.postEphemeral"):
					mu.Lock()
					posts++
					refuse := posts <= tc.refusals
					mu.Unlock()
					if refuse {
						if tc.after != "" {
							w.Header().Set("Retry-After", tc.after)
						}
						w.WriteHeader(tc.status)
						return
					}
				}
				vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
			})
			f.click(t, "U-ALICE", confirmID)
			f.adapter.Wait()
			eph := f.posted(t, "/api/chat.postEphemeral")
			if len(eph) != tc.posts {
				t.Fatalf("Slack received %d chat.postEphemeral, want %d", len(eph), tc.posts)
			}
			for _, p := range eph {
				if !strings.Contains(p["form"].(string), "deleted+2+of+2") {
					t.Fatalf("a try did not carry the result: %v", p)
				}
			}
			if tc.refusals > tc.posts {
				// Given up: the result goes on by the next route, in the channel.
				if len(f.posted(t, "/api/chat.postMessage")) == 0 {
					t.Fatalf("after giving up no other route was tried: %v", f.slackAPI.Requests())
				}
			}
		})
	}
}
