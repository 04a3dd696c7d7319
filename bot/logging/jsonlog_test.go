package logging_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/logging"
)

// jsonPair logs the same records through logging.NewJSONHandler and
// slog.NewJSONHandler, so a test can compare their bytes.
type jsonPair struct {
	fastBuf, slowBuf bytes.Buffer
	fast, slow       slog.Handler
}

func newJSONPair(opts *slog.HandlerOptions) *jsonPair {
	p := &jsonPair{}
	p.fast = logging.NewJSONHandler(&p.fastBuf, opts)
	p.slow = slog.NewJSONHandler(&p.slowBuf, opts)
	return p
}

func (p *jsonPair) check(t testing.TB, r slog.Record) {
	t.Helper()
	p.fastBuf.Reset()
	p.slowBuf.Reset()
	if err := p.fast.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	if err := p.slow.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	if got, want := p.fastBuf.String(), p.slowBuf.String(); got != want {
		t.Fatalf("NewJSONHandler wrote\n%q\nslog.JSONHandler wrote\n%q", got, want)
	}
}

// Characters that each escaping rule treats differently.
var jsonAlphabet = []string{"a", "Z", "0", " ", "-", "\"", "\\", "/", "<", ">", "&", "'", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x01", "\x1f", "\x7f", "é", "€", "𝄞", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xe2\x80", "https://hooks.slack.com/x", "{", "}"}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(jsonAlphabet[r.IntN(len(jsonAlphabet))])
	}
	return b.String()
}

func randAttr(r *rand.Rand) slog.Attr {
	key := randString(r)
	if key == "" && r.IntN(4) > 0 {
		key = "k"
	}
	switch r.IntN(12) {
	case 0:
		return slog.Int(key, r.IntN(1000)-500)
	case 1:
		return slog.Uint64(key, r.Uint64())
	case 2:
		return slog.Bool(key, r.IntN(2) == 0)
	case 3:
		return slog.Duration(key, time.Duration(r.Int64N(1e12)))
	case 4:
		ss := make([]string, r.IntN(4))
		for i := range ss {
			ss[i] = randString(r)
		}
		if len(ss) == 0 && r.IntN(2) == 0 {
			ss = nil
		}
		return slog.Any(key, ss)
	case 5: // the generic path
		return slog.Any(key, errors.New(randString(r)))
	case 6:
		return slog.Group(key, slog.String(randString(r), randString(r)))
	case 7:
		return slog.Float64(key, r.Float64())
	case 8:
		return slog.Any(key, map[string]int{randString(r): 1})
	case 9:
		return slog.Attr{}
	}
	return slog.String(key, randString(r))
}

// TestJSONHandlerMatchesSlog: for random records (unicode, control bytes,
// invalid UTF-8, []string, values the fast path leaves to slog), with and
// without WithAttrs and WithGroup, the bytes are slog.JSONHandler's.
func TestJSONHandlerMatchesSlog(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 14))
	times := []time.Time{time.Now(), {}, time.Date(2026, 11, 23, 9, 4, 5, 0, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2}
	for i := range 20000 {
		p := newJSONPair(&slog.HandlerOptions{Level: slog.LevelDebug})
		for range rng.IntN(3) {
			as := make([]slog.Attr, rng.IntN(3))
			for j := range as {
				as[j] = randAttr(rng)
			}
			if rng.IntN(8) == 0 {
				g := randString(rng)
				p.fast, p.slow = p.fast.WithGroup(g), p.slow.WithGroup(g)
			}
			p.fast, p.slow = p.fast.WithAttrs(as), p.slow.WithAttrs(as)
		}
		r := slog.NewRecord(times[i%len(times)], levels[rng.IntN(len(levels))], randString(rng), 0)
		for range rng.IntN(14) {
			r.AddAttrs(randAttr(rng))
		}
		p.check(t, r)
	}
}

// TestJSONHandlerAuditLine: the audit line of a delete, through the
// logger the bot is given (redacting), is slog's, and a credential in any
// of its strings is still redacted.
func TestJSONHandlerAuditLine(t *testing.T) {
	var fast, slow bytes.Buffer
	lf := slog.New(logging.NewRedactHandler(logging.NewJSONHandler(&fast, nil))).With("log", "audit")
	ls := slog.New(logging.NewRedactHandler(slog.NewJSONHandler(&slow, nil))).With("log", "audit")
	now := time.Now()
	for _, user := range []string{"U1", "see https://hooks.slack.com/commands/T1/2/secret", strings.Repeat("x", 140)} {
		fast.Reset()
		slow.Reset()
		for _, l := range []*slog.Logger{lf, ls} {
			r := slog.NewRecord(now, slog.LevelInfo, "audit", 0)
			r.AddAttrs(slog.String("event", "request"), slog.String("user", user), slog.Int("count", 2),
				slog.Any("ids", []string{"a", user}), slog.String("outcome", "awaiting confirmation"))
			if err := l.Handler().Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
		if fast.String() != slow.String() {
			t.Fatalf("got\n%s\nwant\n%s", fast.String(), slow.String())
		}
		if strings.Contains(fast.String(), "secret") || strings.Contains(fast.String(), strings.Repeat("x", 140)) {
			t.Fatalf("not redacted: %s", fast.String())
		}
	}
}

func FuzzJSONHandlerMatchesSlog(f *testing.F) {
	for _, s := range jsonAlphabet {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		p := newJSONPair(nil)
		p.fast, p.slow = p.fast.WithAttrs([]slog.Attr{slog.String(a, b)}), p.slow.WithAttrs([]slog.Attr{slog.String(a, b)})
		r := slog.NewRecord(time.Now(), slog.LevelInfo, a, 0)
		r.AddAttrs(slog.String(b, a), slog.Any("ids", []string{a, b}), slog.Any(b, []string{}))
		p.check(t, r)
	})
}

func BenchmarkAuditLine(b *testing.B) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = "9a000000-0000-4000-8000-5e0000000000"
	}
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{{"slog", slog.NewJSONHandler(discard{}, nil)}, {"fast", logging.NewJSONHandler(discard{}, nil)}} {
		b.Run(h.name, func(b *testing.B) {
			l := slog.New(logging.NewRedactHandler(h.h)).With("log", "audit")
			b.ReportAllocs()
			for b.Loop() {
				l.LogAttrs(context.Background(), slog.LevelInfo, "audit", slog.String("event", "request"),
					slog.String("platform", "slack"), slog.String("user", "U123"), slog.String("user_name", "alice"),
					slog.String("channel", "C1"), slog.String("verb", "delete"), slog.String("vendor", "pagerduty"),
					slog.String("operation", "delete"), slog.Int("count", len(ids)), slog.Any("ids", ids),
					slog.String("outcome", "awaiting confirmation"), slog.String("token_ref", "abcdef"))
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
