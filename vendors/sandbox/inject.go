package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// misbehave answers r as fault says; it returns false when the fault has
// run out and the request should be served normally.
func (s *Sandbox) misbehave(w http.ResponseWriter, r *http.Request, route string) bool {
	s.mu.Lock()
	fault := s.faults.lookup(route)
	if fault == nil || (fault.Times > 0 && s.faultHits[fault] >= fault.Times) {
		s.mu.Unlock()
		return false
	}
	s.faultHits[fault]++
	s.mu.Unlock()

	switch fault.Kind {
	case FaultSlow: // then the normal answer
		select {
		case <-r.Context().Done():
			return true
		case <-s.closing:
			return true
		case <-time.After(fault.Arg):
		}
		return false
	case Fault5xxJSON:
		body := map[string]any{"code": "Sandbox.50000001", "message": "injected fault: internal error"}
		if strings.HasPrefix(route, "coc") {
			body = map[string]any{"provider_code": "049", "error_code": "COC.00050001", "error_msg": "injected fault: internal error"}
		}
		writeJSON(w, fault.Status, body)
	case Fault5xxHTML:
		writeRaw(w, http.StatusBadGateway, "text/html", htmlPage("502 Bad Gateway"))
	case FaultHTML200:
		writeRaw(w, http.StatusOK, "text/html", htmlPage("Service maintenance"))
	case FaultBadJSON:
		writeRaw(w, http.StatusOK, "application/json", `{"code": "00000000", "data": {"success_ids": [`)
	case FaultThrottle:
		w.Header().Set("Retry-After", strconv.Itoa(int(fault.Arg/time.Second)))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error_code": "APIGW.0308", "error_msg": "injected fault: the request is throttled"})
	case FaultTimeout:
		var after <-chan time.Time
		if fault.Arg > 0 {
			after = time.After(fault.Arg)
		}
		select {
		case <-r.Context().Done():
		case <-s.closing:
		case <-after:
		}
		writeJSON(w, http.StatusGatewayTimeout, map[string]any{"code": "Sandbox.50400001", "message": "injected fault: timed out"})
	case FaultReset, FaultCut:
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		defer conn.Close()
		if fault.Kind == FaultCut {
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: %s\r\nContent-Length: 4096\r\n\r\n{\"code\": \"00000000\", \"data\": {\"succ", w.Header().Get("X-Request-Id"))
			_ = buf.Flush()
			return true
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close with RST
		}
	}
	return true
}

func writeRaw(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// htmlPage is an error page the size real gateways send (about 48 kB).
func htmlPage(title string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>" + title + "</title><style>")
	for b.Len() < 48_000 {
		b.WriteString(".c{color:#333;margin:0 auto;font-family:sans-serif}")
	}
	b.WriteString("</style></head><body><h1>" + title + "</h1></body></html>")
	return b.String()
}
