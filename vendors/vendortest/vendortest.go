// Package vendortest is a recording HTTP server for tests: it stands in for
// a vendor API, keeps every request it received, and answers with a handler
// the test chooses.
package vendortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  map[string][]string
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r Request) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("request body is not JSON: %v\n%s", err, r.Body)
	}
}

// Server records requests and answers them with Handler.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
	handler  http.HandlerFunc
}

// New starts a server that answers with h (200 "{}" when h is nil). It is
// closed when the test ends.
func New(t testing.TB, h http.HandlerFunc) *Server {
	s := &Server{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		handler := s.handler
		s.mu.Unlock()
		if handler == nil {
			Reply(w, http.StatusOK, map[string]any{})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// SetHandler changes how the server answers.
func (s *Server) SetHandler(h http.HandlerFunc) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// Requests returns a copy of what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reply writes v as a JSON answer with the given status.
func Reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req-test-1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// SecMasterEcho answers SecMaster's batch calls (delete incidents, cancel
// an association) with every requested ID in success_ids.
func SecMasterEcho(w http.ResponseWriter, r *http.Request) {
	var body map[string][]string
	_ = json.NewDecoder(r.Body).Decode(&body)
	ids := append(body["batch_ids"], body["ids"]...)
	Reply(w, http.StatusOK, map[string]any{"code": "00000000", "data": map[string]any{"success_ids": ids, "error_ids": []string{}}})
}

// SecMasterListing answers every call, as SecMaster answers a search,
// with the objects in data (each {"id", "data_object"}), all on one page.
func SecMasterListing(data []map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		Reply(w, http.StatusOK, map[string]any{"code": "00000000", "success": true, "total": len(data), "size": len(data), "page": 1, "data": data})
	}
}

// Count returns how many requests with the given method the server received.
func (s *Server) Count(method string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}
