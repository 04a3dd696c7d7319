package logging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Slack's response_url and Discord's interaction token are bearer
// credentials for 30 and 15 minutes: whoever reads them in a log can post
// as the bot. RedactHandler scrubs them from every log line, whatever
// logged them (our code, an error from net/http that quotes the URL).

var (
	// urlPattern finds URLs in text.
	urlPattern = regexp.MustCompile(`https?://[^\s"'<>\x60]+`)
	// longToken is a run of token characters long enough to be a
	// credential (a Discord interaction token is ~200 characters;
	// an ID is at most 128, so audit lines keep theirs).
	longToken = regexp.MustCompile(`[A-Za-z0-9_\-.]{130,}`)
	// secretPaths mark a URL whose path is itself a credential.
	secretPaths = []string{"/commands/", "/actions/", "/webhooks/", "/interactions/", "/response"}
)

// Redacted is the placeholder for a removed credential.
const Redacted = "[redacted]"

// RedactString removes credentials from s: the path and query of a URL
// that carries a response URL or an interaction token (kept: scheme and
// host, to say where a call went), any path segment that looks like a
// token, and any long token-like word.
func RedactString(s string) string {
	if !strings.Contains(s, "://") && !hasLongToken(s) {
		return s
	}
	s = urlPattern.ReplaceAllStringFunc(s, redactURL)
	return longToken.ReplaceAllStringFunc(s, func(t string) string {
		if strings.Contains(t, Redacted) {
			return t
		}
		return Redacted
	})
}

// hasLongToken is longToken.MatchString without the regexp: whether s has
// a run of 130 or more token characters.
func hasLongToken(s string) bool {
	if len(s) < 130 {
		return false
	}
	run := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' {
			if run++; run >= 130 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	host, path, hasPath := strings.Cut(rest, "/")
	if !hasPath {
		return u
	}
	path = "/" + path
	if strings.HasPrefix(host, "hooks.slack.com") {
		return scheme + "://" + host + "/" + Redacted
	}
	for _, p := range secretPaths {
		if strings.Contains(path, p) {
			return scheme + "://" + host + "/" + Redacted
		}
	}
	if q := strings.IndexAny(path, "?#"); q >= 0 {
		path = path[:q] + "?" + Redacted
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if len(seg) >= 40 {
			segs[i] = Redacted
		}
	}
	return scheme + "://" + host + strings.Join(segs, "/")
}

// RedactHandler wraps a slog.Handler so that no string or error it is
// given reaches the output with a credential in it.
type RedactHandler struct{ next slog.Handler }

// NewRedactHandler wraps next; wrapping twice is harmless.
func NewRedactHandler(next slog.Handler) slog.Handler {
	if _, ok := next.(*RedactHandler); ok {
		return next
	}
	return &RedactHandler{next: next}
}

// Redacting returns l with a RedactHandler.
func Redacting(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if _, ok := l.Handler().(*RedactHandler); ok {
		return l
	}
	return slog.New(NewRedactHandler(l.Handler()))
}

// Enabled implements slog.Handler.
func (h *RedactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *RedactHandler) Handle(ctx context.Context, r slog.Record) error {
	if clean(r) { // the usual line: nothing to redact, nothing to copy
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, RedactString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// clean reports whether redacting r would change nothing, checking each
// value as redactAttr does but without copying any. A LogValuer is never
// clean: what it resolves to now need not be what it resolves to next.
func clean(r slog.Record) bool {
	if RedactString(r.Message) != r.Message {
		return false
	}
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		ok = cleanValue(a.Value)
		return ok
	})
	return ok
}

func cleanValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		return RedactString(s) == s
	case slog.KindGroup:
		for _, a := range v.Group() {
			if !cleanValue(a.Value) {
				return false
			}
		}
		return true
	case slog.KindLogValuer:
		return false
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			msg := x.Error()
			return RedactString(msg) == msg
		case []string:
			for _, s := range x {
				if RedactString(s) != s {
					return false
				}
			}
		case string:
			return RedactString(x) == x
		default:
			shown := anyText(x)
			return RedactString(shown) == shown
		}
	}
	return true
}

// anyText is an arbitrary value as text (its String, its JSON, or its %+v),
// for the redactor to check: a *url.URL, a map
// or a struct may quote a credential as well as a string can.
func anyText(x any) string {
	if x == nil {
		return ""
	}
	if st, ok := x.(fmt.Stringer); ok { // a *url.URL shows its whole URL here
		return st.String()
	}
	if raw, err := json.Marshal(x); err == nil {
		return string(raw)
	}
	return fmt.Sprintf("%+v", x)
}

// WithAttrs implements slog.Handler.
func (h *RedactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return &RedactHandler{next: h.next.WithAttrs(red)}
}

// WithGroup implements slog.Handler.
func (h *RedactHandler) WithGroup(name string) slog.Handler {
	return &RedactHandler{next: h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactString(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			if msg := x.Error(); RedactString(msg) != msg {
				return slog.Any(a.Key, errors.New(RedactString(msg)))
			}
		case []string:
			red := make([]string, len(x))
			for i, s := range x {
				red[i] = RedactString(s)
			}
			return slog.Any(a.Key, red)
		case string:
			return slog.String(a.Key, RedactString(x))
		default:
			// Anything else is shown as it would be logged, redacted, and
			// only when that removed something: the usual shape stays.
			if shown := anyText(x); RedactString(shown) != shown {
				return slog.String(a.Key, RedactString(shown))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
