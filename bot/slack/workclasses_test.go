package slack_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A requester's Confirm reaches the vendor while the private notes of
// refused clicks are all still waiting on a hung response_url: notes
// never hold up an action. (The wait below is a guard shorter than one
// note's post timeout, 15 s, so no note can have given up first.)
func TestConfirmIsNotQueuedBehindHungRefusalNotes(t *testing.T) {
	f := newFixture(t)
	answered := hangSlack(t, f, "/response/click-U0OTHER")
	confirm, _ := f.confirmation(t, "U0ALICE")
	var wg sync.WaitGroup
	for i := range 150 { // more than the old shared pool's 64 slots
		wg.Add(1)
		go func() { defer wg.Done(); f.click(t, fmt.Sprintf("U0OTHER%d", i), confirm) }()
	}
	wg.Wait()
	f.click(t, "U0ALICE", confirm)
	guard := time.Now().Add(10 * time.Second)
	for f.deletes() == 0 && time.Now().Before(guard) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := answered.Load(); f.deletes() != 1 || n != 0 {
		t.Fatalf("vendor calls %d, refusal notes answered %d: the Confirm waited behind the notes", f.deletes(), n)
	}
}

// A batch's progress message is posted beside its vendor calls: with
// Slack's Web API hung, every call of the batch is still sent while the
// first progress post waits (the guard is shorter than a post's 15 s
// timeout, so no post can have given up first).
func TestBatchCallsDoNotWaitForAHungProgressPost(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 1, progressEvery: -1})
	answered := hangSlack(t, f, "/api/chat.")
	_, body := f.slash(t, "U1", "delete inc-1 inc-2 inc-3")
	f.click(t, "U1", actionIDs(body)["confirm"])
	guard := time.Now().Add(10 * time.Second)
	for f.deletes() < 3 && time.Now().Before(guard) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := answered.Load(); f.deletes() != 3 || n != 0 {
		t.Fatalf("vendor calls %d of 3 while %d progress posts were answered: the batch waited for its progress message", f.deletes(), n)
	}
}

// hangSlack makes the fixture's Slack hold every request whose path starts
// with prefix until the test ends (or the caller gives up), and counts
// those it answered; the others are answered at once.
func hangSlack(t *testing.T, f *fixture, prefix string) *atomic.Int64 {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	var answered atomic.Int64
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			select {
			case <-stop:
			case <-r.Context().Done():
				return
			}
			answered.Add(1)
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	return &answered
}

// Refusal notes that find the notes lane full (Slack's response_url hung,
// more refused clickers than the lane holds) are dropped and counted as
// such, so an operator sees load being shed; none is counted as sent.
func TestDroppedRefusalNotesAreCounted(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, fixtureOptions{metrics: m})
	answered := hangSlack(t, f, "/response/click-U0OTHER")
	confirm, _ := f.confirmation(t, "U0ALICE")
	const clickers = 300 // the lane runs 8 notes and holds 256 more
	var wg sync.WaitGroup
	for i := range clickers {
		wg.Add(1)
		go func() { defer wg.Done(); f.click(t, fmt.Sprintf("U0OTHER%d", i), confirm) }()
	}
	wg.Wait()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	dropped := metricValue(t, rec.Body.String(), `incidentbot_chat_deliveries_total{platform="slack",result="dropped",route="response_url"}`)
	if dropped < clickers-8-256 || dropped > clickers || answered.Load() != 0 {
		t.Fatalf("%v notes counted as dropped of %d refused clicks (at least %d cannot wait), %d answered\n%s",
			dropped, clickers, clickers-8-256, answered.Load(), rec.Body.String())
	}
}

// metricValue is the value of the sample named exactly so in a Prometheus
// text exposition, or fails the test.
func metricValue(t *testing.T, exposition, sample string) float64 {
	t.Helper()
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no sample %s", sample)
	return 0
}
