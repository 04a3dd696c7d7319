package slack_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A requester's Confirm reaches the vendor while the private notes of
// refused clicks are all still waiting on a hung response_url: notes
// never hold up an action. (The wait below is a guard shorter than one
// note's post timeout, 15 s, so no note can have given up first.)
func TestConfirmIsNotQueuedBehindHungRefusalNotes(t *testing.T) {
	f := newFixture(t)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	var mu sync.Mutex
	answered := 0
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/response/click-U0OTHER") {
			select {
			case <-stop:
			case <-r.Context().Done():
				return
			}
			mu.Lock()
			answered++
			mu.Unlock()
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
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
	mu.Lock()
	defer mu.Unlock()
	if f.deletes() != 1 || answered != 0 {
		t.Fatalf("vendor calls %d, refusal notes answered %d: the Confirm waited behind the notes", f.deletes(), answered)
	}
}

// A batch's progress message is posted beside its vendor calls: with
// Slack's Web API hung, every call of the batch is still sent while the
// first progress post waits (the guard is shorter than a post's 15 s
// timeout, so no post can have given up first).
func TestBatchCallsDoNotWaitForAHungProgressPost(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 1, progressEvery: -1})
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	var mu sync.Mutex
	answered := 0
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/chat.") {
			select {
			case <-stop:
			case <-r.Context().Done():
				return
			}
			mu.Lock()
			answered++
			mu.Unlock()
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	_, body := f.slash(t, "U1", "delete inc-1 inc-2 inc-3")
	f.click(t, "U1", actionIDs(body)["confirm"])
	guard := time.Now().Add(10 * time.Second)
	for f.deletes() < 3 && time.Now().Before(guard) {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if f.deletes() != 3 || answered != 0 {
		t.Fatalf("vendor calls %d of 3 while %d progress posts were answered: the batch waited for its progress message", f.deletes(), answered)
	}
}
