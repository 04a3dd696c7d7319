package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// PanicError is a recovered panic: what it carried and where it happened.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Recovered turns a recovered value into a *PanicError with the stack of
// the goroutine that panicked; nil stays nil. Call it in the deferred
// func itself: `if err := bot.Recovered(recover()); err != nil {...}`.
func Recovered(v any) *PanicError {
	if v == nil {
		return nil
	}
	return &PanicError{Value: v, Stack: string(debug.Stack())}
}

// Panicked logs a recovered panic with its stack under a fresh reference
// and returns the reply a user sees: the reference, nothing of the panic.
// Every entry point (an HTTP handler, a gateway or Socket Mode event, a
// background job) recovers and calls it, so one bad payload never ends
// the process.
func (b *Bot) Panicked(ctx context.Context, where string, p *PanicError) reply.Reply {
	return b.InternalError(ctx, "recovered from a panic in "+where, p, "stack", p.Stack)
}

// RecoverHTTP is the last line of defence for an HTTP mux: a handler that
// panics is logged with its stack and a reference, and the client gets a
// 500 with that reference instead of a dropped connection. The adapters
// recover on their own first, to answer in their platform's format.
func RecoverHTTP(next http.Handler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == http.ErrAbortHandler {
				panic(v)
			}
			if p := Recovered(v); p != nil {
				ref := newRef()
				log.ErrorContext(r.Context(), "recovered from a panic in an HTTP handler", "ref", ref, "path", r.URL.Path, "error", p, "stack", p.Stack)
				http.Error(w, "internal error (ref "+ref+")", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
