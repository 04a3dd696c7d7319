package work_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/incidentbot/incidentbot/bot/work"
)

// A full lane refuses a job rather than parking it; a keyed job waiting
// is replaced by a later one under the same key.
func TestLaneIsBoundedAndCoalesces(t *testing.T) {
	l := work.NewLane(1, 3)
	release := make(chan struct{})
	started := make(chan struct{})
	if !l.Offer(func(context.Context) { close(started); <-release }) {
		t.Fatal("the first job was refused")
	}
	<-started // the one worker is busy; the queue takes three
	var ran atomic.Int64
	var last atomic.Value
	for i, key := range []string{"a", "a", "b"} {
		if !l.OfferLatest(key, func(context.Context) { ran.Add(1); last.Store(i) }) {
			t.Fatalf("job %d was refused", i)
		}
	}
	if !l.Offer(func(context.Context) { ran.Add(1) }) {
		t.Fatal("the third queued job was refused")
	}
	if l.Offer(func(context.Context) { ran.Add(1) }) {
		t.Fatal("a full lane took a fifth job")
	}
	close(release)
	l.Wait()
	if ran.Load() != 3 {
		t.Fatalf("%d queued jobs ran, want 3 (two under key a coalesced)", ran.Load())
	}
}
