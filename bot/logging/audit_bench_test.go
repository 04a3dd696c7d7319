//go:build bench

package logging_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/incidentbot/incidentbot/bot/logging"
)

// BenchmarkAuditLine is the audit line of a delete of 50 IDs through the
// logger the bot is given (redacting JSON).
func BenchmarkAuditLine(b *testing.B) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = "9a000000-0000-4000-8000-5e0000000000"
	}
	l := slog.New(logging.NewRedactHandler(slog.NewJSONHandler(io.Discard, nil))).With("log", "audit")
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(context.Background(), slog.LevelInfo, "audit", slog.String("event", "request"),
			slog.String("platform", "slack"), slog.String("user", "U123"), slog.String("user_name", "alice"),
			slog.String("channel", "C1"), slog.String("verb", "delete"), slog.String("vendor", "secmaster"),
			slog.String("operation", "delete"), slog.Int("count", len(ids)), slog.Any("ids", ids),
			slog.String("outcome", "awaiting confirmation"), slog.String("token_ref", "abcdef"))
	}
}
