package logging_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/logging"
)

// The audit line of a delete, through the logger the bot is given
// (redacting JSON): a credential in any of its strings, the IDs included,
// is redacted, and the rest is kept.
func TestAuditLineIsRedacted(t *testing.T) {
	var out strings.Builder
	l := slog.New(logging.NewRedactHandler(slog.NewJSONHandler(&out, nil))).With("log", "audit")
	for _, user := range []string{"see https://hooks.slack.com/commands/T1/2/secret", strings.Repeat("x", 140)} {
		out.Reset()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "audit", 0)
		r.AddAttrs(slog.String("event", "request"), slog.String("user", user), slog.Int("count", 2),
			slog.Any("ids", []string{"inc-1", user}), slog.String("outcome", "awaiting confirmation"))
		if err := l.Handler().Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "secret") || strings.Contains(out.String(), strings.Repeat("x", 140)) {
			t.Fatalf("not redacted: %s", out.String())
		}
		if !strings.Contains(out.String(), `"inc-1"`) || !strings.Contains(out.String(), `"outcome":"awaiting confirmation"`) {
			t.Fatalf("redaction removed what is not a credential: %s", out.String())
		}
	}
}
