package logging

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/internal/jsonstr"
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
	buf = jsonstr.Append(buf, r.Level.String(), jsonstr.Slog)
	buf = append(buf, `,"msg":`...)
	buf = jsonstr.Append(buf, r.Message, jsonstr.Slog)
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
	buf = jsonstr.Append(buf, a.Key, jsonstr.Slog)
	buf = append(buf, ':')
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		return jsonstr.Append(buf, v.String(), jsonstr.Slog)
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
		buf = jsonstr.Append(buf, s, jsonstr.SlogList)
	}
	return append(buf, ']')
}
