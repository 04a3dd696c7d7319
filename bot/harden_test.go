package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/logging"
)

func TestBackgroundJobPanicIsLoggedAndTheRunnerGoesOn(t *testing.T) {
	var logs bottest.Buffer
	bg := bot.NewBackground(2).Logger(slog.New(slog.NewJSONHandler(&logs, nil)))
	bg.Go(func(context.Context) { panic("boom") })
	ran := false
	bg.Go(func(context.Context) { ran = true })
	bg.Wait()
	if !ran || !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("ran=%v log:\n%s", ran, logs.String())
	}
}

func TestRedactedLogsKeepNoCredential(t *testing.T) {
	var logs bottest.Buffer
	log := logging.Redacting(slog.New(slog.NewJSONHandler(&logs, nil))).With("url", "https://hooks.slack.com/commands/T1/2/SECRET1")
	token := strings.Repeat("aW50ZXJhY3Rpb24", 12)
	log.Error("post failed: Post \"https://discord.com/api/v10/webhooks/1/"+token+"/messages/@original\": EOF",
		"error", &testErr{"Post \"https://example.com/response/SECRET2\": dial tcp: refused"}, "token", token,
		slog.Group("g", "u", "https://hooks.slack.com/actions/SECRET3"), "ids", []string{"inc-1", "909494e3-558e-46b6-a9eb-07a8e18ca62f"})
	out := logs.String()
	for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3", token[:40]} {
		if strings.Contains(out, secret) {
			t.Errorf("%s reached the log: %s", secret, out)
		}
	}
	if !strings.Contains(out, "909494e3-558e-46b6-a9eb-07a8e18ca62f") || !strings.Contains(out, "discord.com") {
		t.Errorf("redaction removed what is not a credential: %s", out)
	}
}

type testErr struct{ s string }

func (e *testErr) Error() string { return e.s }

// A job's result and its stop notice exclude each other: whichever comes
// first is shown, never both.
func TestStopNoticeAndResultAreExclusive(t *testing.T) {
	bg := bot.NewBackground(2)
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

	finished := bot.NewBackground(1)
	done2 := finished.OnStop(func(context.Context) { t.Error("a finished job's notice was given") })
	if !done2() {
		t.Fatal("a job that finished first may not show its result")
	}
	if n := finished.Drain(ctx); n != 0 {
		t.Fatalf("Drain gave %d notices after the job finished", n)
	}
}
