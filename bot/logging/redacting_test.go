package logging_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/logging"
)

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
