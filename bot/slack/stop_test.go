package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func forgetOnStop(_ *fixture, o *bot.Options) { o.ForgetOnStop = true }

// A stop updates open confirmations many at a time, newest first: with a
// slow platform, the people who asked last (most likely still looking)
// are told first, and more than a handful are told at once.
func TestStopTellsOpenConfirmationsNewestFirstInParallel(t *testing.T) {
	f := newFixtureTTL(t, 10*time.Minute, forgetOnStop)
	const open = 100
	for i := range open {
		if status, _ := f.slash(t, fmt.Sprintf("U%03d", i), "delete inc-1"); status != 200 {
			t.Fatal(status)
		}
		f.clock.Add(time.Second)
	}
	release := make(chan struct{})
	var mu sync.Mutex
	var arrived []int
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if user, ok := strings.CutPrefix(r.URL.Path, "/response/U"); ok {
			n, _ := strconv.Atoi(user)
			mu.Lock()
			arrived = append(arrived, n)
			mu.Unlock()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stopped := make(chan int)
	go func() { stopped <- f.bot.Stop(ctx) }()
	// Every update hangs: those that arrive are the ones sent at once.
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(arrived) }
	last, guard := -1, time.Now().Add(10*time.Second)
	for time.Now().Before(guard) {
		time.Sleep(200 * time.Millisecond)
		n := count()
		if n == last && n > 0 {
			break
		}
		last = n
	}
	mu.Lock()
	got := append([]int(nil), arrived...)
	mu.Unlock()
	close(release)
	if n := <-stopped; n != open {
		t.Fatalf("Stop dropped %d confirmations, want %d", n, open)
	}
	if len(got) <= 16 {
		t.Fatalf("a stop updated %d messages at once; want many more than 16", len(got))
	}
	for _, user := range got {
		if user < open-len(got) {
			t.Fatalf("with %d updates sent at once, the confirmation of U%03d (the %dth oldest) was among them: not newest first (%v)", len(got), user, user+1, got)
		}
	}
}

// A click on a token that a stop dropped, arriving at the restarted bot,
// says that the bot restarted and nothing was run, not "not known".
func TestClickOnATokenDroppedAtAStopSaysTheBotRestarted(t *testing.T) {
	before := newFixtureTTL(t, 5*time.Minute, forgetOnStop)
	confirm, _ := before.confirmation(t, "U1")
	if n := before.bot.Stop(context.Background()); n != 1 {
		t.Fatalf("Stop dropped %d confirmations, want 1", n)
	}
	after := newFixtureTTL(t, 5*time.Minute, forgetOnStop) // the restarted process
	after.click(t, "U1", confirm)
	after.adapter.Wait()
	got := after.lastPost(t, "/response/click-U1")
	if !strings.Contains(got, "The bot restarted: nothing was run.") || strings.Contains(got, "not known") {
		t.Fatalf("a click on a dropped token reads:\n%s", got)
	}
	if after.deletes()+before.deletes() != 0 {
		t.Fatal("vendor called")
	}
}
