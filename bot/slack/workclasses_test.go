package slack_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// TestLoadConfirmBehindRefusedClicks reports, without asserting any
// timing, what issue 21.2 asks to see: with 400 refused clicks in flight
// (anyone may press a public confirmation's buttons, and each refusal is
// a private note to response_url), how long a requester's Confirm takes
// to reach the vendor, when Slack's response_url answers in 2 s and when
// it hangs.
//
//	go test ./bot/slack -run TestLoadConfirmBehindRefusedClicks -load -v -count 1
func TestLoadConfirmBehindRefusedClicks(t *testing.T) {
	if !*load {
		t.Skip("load figures run with -load")
	}
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
