package work_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/work"
)

func TestBackgroundJobPanicIsLoggedAndTheRunnerGoesOn(t *testing.T) {
	var logs bottest.Buffer
	bg := work.NewBackground(2).Logger(slog.New(slog.NewJSONHandler(&logs, nil)))
	bg.Go(func(context.Context) { panic("boom") })
	ran := false
	bg.Go(func(context.Context) { ran = true })
	bg.Wait()
	if !ran || !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("ran=%v log:\n%s", ran, logs.String())
	}
}

// A job's result and its stop notice exclude each other: whichever comes
// first is shown, never both.
func TestStopNoticeAndResultAreExclusive(t *testing.T) {
	bg := work.NewBackground(2)
	release := make(chan struct{})
	var shown []string
	var mu sync.Mutex
	show := func(s string) { mu.Lock(); shown = append(shown, s); mu.Unlock() }
	done := bg.OnStop(func(context.Context) { show("unknown") })
	bg.Go(func(context.Context) {
		<-release
		if done() {
			show("result")
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the stop's deadline has passed
	if n := bg.Drain(ctx); n != 1 {
		t.Fatalf("Drain gave %d notices, want 1", n)
	}
	close(release)
	bg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(shown, ",") != "unknown" {
		t.Fatalf("shown %v; want only the notice", shown)
	}

	finished := work.NewBackground(1)
	done2 := finished.OnStop(func(context.Context) { t.Error("a finished job's notice was given") })
	if !done2() {
		t.Fatal("a job that finished first may not show its result")
	}
	if n := finished.Drain(ctx); n != 0 {
		t.Fatalf("Drain gave %d notices after the job finished", n)
	}
}
