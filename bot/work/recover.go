package work

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// PanicError is a recovered panic: what it carried and where it happened.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Recovered turns a recovered value into a *PanicError with the stack of
// the goroutine that panicked; nil stays nil. Call it in the deferred
// func itself: `if err := work.Recovered(recover()); err != nil {...}`.
func Recovered(v any) *PanicError {
	if v == nil {
		return nil
	}
	return &PanicError{Value: v, Stack: string(debug.Stack())}
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
				ref := NewRef()
				log.ErrorContext(r.Context(), "recovered from a panic in an HTTP handler", "ref", ref, "path", r.URL.Path, "error", p, "stack", p.Stack)
				http.Error(w, "internal error (ref "+ref+")", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// NewRef returns a fresh short reference (8 hex digits) that ties what a
// user is shown to the log line that holds the details.
func NewRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
