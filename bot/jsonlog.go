package bot

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// NewJSONHandler is slog.NewJSONHandler with a fast path for the lines
// the bot writes on every command (the audit line above all): a record
// whose attributes are all strings, integers, booleans, durations or
// []string, with no group, is written by a hand-written encoder that gives
// the bytes slog.JSONHandler would; anything else (a group, an error, a
// LogValuer, any other value, ReplaceAttr or AddSource in opts) goes to
// an slog.JSONHandler writing to the same writer. The win is the []string
// ("ids" on an audit line), which slog encodes through encoding/json's
// reflection.
//
// Redaction is not done here: wrap it in NewRedactHandler, as for any
// handler.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	if opts.ReplaceAttr != nil || opts.AddSource {
		return slog.NewJSONHandler(w, opts)
	}
	lw := &lockedWriter{w: w}
	return &jsonHandler{w: lw, generic: slog.NewJSONHandler(lw, opts)}
}

// lockedWriter serializes the fast path's writes with the generic
// handler's (whose own mutex the fast path cannot take).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type jsonHandler struct {
	w       *lockedWriter
	generic slog.Handler // the same handler as slog would build, for the rest
	pre     []byte       // preformatted WithAttrs attributes, each with its leading ','
}

func (h *jsonHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.generic.Enabled(ctx, l)
}

// WithAttrs keeps the fast path when every attribute is one it encodes;
// otherwise the generic handler takes over for good.
func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	g := h.generic.WithAttrs(as)
	for _, a := range as {
		if !fastAttr(a) {
			return g
		}
	}
	pre := append([]byte(nil), h.pre...)
	for _, a := range as {
		pre = appendJSONAttr(pre, a)
	}
	return &jsonHandler{w: h.w, generic: g, pre: pre}
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	return h.generic.WithGroup(name)
}

var jsonBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	if y := r.Time.Year(); !r.Time.IsZero() && (y < 0 || y >= 10000) {
		return h.generic.Handle(ctx, r)
	}
	fast := true
	r.Attrs(func(a slog.Attr) bool {
		fast = fastAttr(a)
		return fast
	})
	if !fast {
		return h.generic.Handle(ctx, r)
	}
	bp := jsonBufPool.Get().(*[]byte)
	buf := append((*bp)[:0], '{')
	if !r.Time.IsZero() {
		buf = append(buf, `"time":"`...)
		buf = r.Time.Round(0).AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, `",`...)
	}
	buf = append(buf, `"level":`...)
	buf = appendJSONString(buf, r.Level.String(), false)
	buf = append(buf, `,"msg":`...)
	buf = appendJSONString(buf, r.Message, false)
	buf = append(buf, h.pre...)
	r.Attrs(func(a slog.Attr) bool {
		buf = appendJSONAttr(buf, a)
		return true
	})
	buf = append(buf, "}\n"...)
	_, err := h.w.Write(buf)
	if cap(buf) <= 16<<10 { // as slog: only small buffers back to the pool
		*bp = buf
		jsonBufPool.Put(bp)
	}
	return err
}

// fastAttr reports whether appendJSONAttr writes a as slog.JSONHandler
// would. An attribute with an empty key is left to slog (which drops an
// empty one).
func fastAttr(a slog.Attr) bool {
	if a.Key == "" {
		return false
	}
	switch a.Value.Kind() {
	case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindBool, slog.KindDuration:
		return true
	case slog.KindAny:
		_, ok := a.Value.Any().([]string)
		return ok
	}
	return false
}

// appendJSONAttr appends ,"key":value for an attribute fastAttr accepts.
func appendJSONAttr(buf []byte, a slog.Attr) []byte {
	buf = append(buf, ',')
	buf = appendJSONString(buf, a.Key, false)
	buf = append(buf, ':')
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		return appendJSONString(buf, v.String(), false)
	case slog.KindInt64:
		return strconv.AppendInt(buf, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(buf, v.Uint64(), 10)
	case slog.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(buf, int64(v.Duration()), 10)
	}
	ss := v.Any().([]string) // as encoding/json writes it, which slog calls
	if ss == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '[')
	for i, s := range ss {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, s, true)
	}
	return append(buf, ']')
}

// safe8 reports whether the 8 bytes of x (little-endian) are all ASCII, none a control
// byte, '"' or '\\' (bit tricks on one 64-bit word: a byte less than n
// sets its high bit in x - n*ones &^ x).
func safe8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ ('"' * ones)
	bs := x ^ ('\\' * ones)
	bad := x | (x-0x20*ones)&^x | (q-ones)&^q | (bs-ones)&^bs
	return bad&highs == 0
}

const lowerHex = "0123456789abcdef"

// jsonSafe marks the ASCII bytes both slog and encoding/json (without
// HTML escaping, as slog sets it) copy as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s quoted: slog's appendEscapedJSONString, or,
// with shortBF, encoding/json's appendString (which writes \b and \f
// where slog writes \u0008 and \u000c). Both: \" \\ \n \r \t, other
// control bytes as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped, no HTML escaping.
func appendJSONString(buf []byte, s string, shortBF bool) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight safe ASCII bytes at a time: the usual string (an ID,
		// a name) has nothing to escape.
		for i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if !safe8(x) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch {
			case b == '\\' || b == '"':
				buf = append(buf, '\\', b)
			case b == '\n':
				buf = append(buf, '\\', 'n')
			case b == '\r':
				buf = append(buf, '\\', 'r')
			case b == '\t':
				buf = append(buf, '\\', 't')
			case shortBF && b == '\b':
				buf = append(buf, '\\', 'b')
			case shortBF && b == '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', lowerHex[b>>4], lowerHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', lowerHex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
