package vendortest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Misbehaviours are answers no client may read as a vendor's "no such
// thing": a 5xx with a JSON error, a gateway's HTML page with 502 or 200,
// broken JSON, a body cut mid-way, a reset connection and no answer at
// all (held until the client gives up, at most a minute). Tests of read
// clients run each against their calls.
func Misbehaviours() map[string]http.HandlerFunc {
	page := "<!DOCTYPE html><html><head><title>Gateway error</title></head><body>" + strings.Repeat("<p>try later</p>", 200) + "</body></html>"
	return map[string]http.HandlerFunc{
		"500 json": func(w http.ResponseWriter, r *http.Request) {
			Reply(w, http.StatusInternalServerError, map[string]any{"code": "X.50000001", "message": "internal error", "error_code": "X.50000001", "error_msg": "internal error"})
		},
		"502 html": func(w http.ResponseWriter, r *http.Request) { raw(w, http.StatusBadGateway, "text/html", page) },
		"200 html": func(w http.ResponseWriter, r *http.Request) { raw(w, http.StatusOK, "text/html", page) },
		"200 broken json": func(w http.ResponseWriter, r *http.Request) {
			raw(w, http.StatusOK, "application/json", `{"code": "00000000", "data": [{"id": "inc-1"`)
		},
		"200 cut": func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req-cut\r\nContent-Length: 4096\r\n\r\n{\"data\": [")
			_ = buf.Flush()
		},
		"reset": func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) },
		"no answer": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		},
	}
}

func raw(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Request-Id", "req-test-1")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
