// Package sandbox emulates the three vendor HTTP APIs in memory, so the bot
// runs end to end with no cloud account: the embedded default, and a fake
// for tests. It validates requests as the vendors' API pages document them
// (lengths, enumerations, both Huawei auth styles), keeps COC tickets in
// their lifecycle states, sends a request ID with every answer, and can be
// told to misbehave (see ParseFaults). It checks that requests are
// authenticated, not that signatures are valid.
package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Demo data the sandbox starts with; the README's tour uses these IDs.
var (
	DemoIncidents       = []string{"inc-1001", "inc-1002", "inc-1003", "inc-1004", "inc-1005"}
	DemoAlerts          = map[string][]string{"inc-1001": {"alert-2001", "alert-2002", "alert-2003"}}
	DemoCoralogix       = []string{"cx-3001", "cx-3002", "cx-3003"}
	DemoTicket          = "IM202611220001"
	demoCoralogixAssign = "oncall@example.com"
)

// TicketState is where a COC ticket is in its lifecycle.
type TicketState string

// The COC ticket states the sandbox keeps, in order.
const (
	TicketCreated  TicketState = "created"
	TicketAccepted TicketState = "accepted"
	TicketSolved   TicketState = "solution_submitted"
	TicketVerified TicketState = "verified"
)

// Sandbox holds the emulated state. The zero value is not usable: call New.
type Sandbox struct {
	mu        sync.Mutex
	incidents map[string]bool            // SecMaster incidents
	relations map[string]map[string]bool // "incidents/inc-1001/alerts" -> alert IDs
	coralogix map[string][]string        // incident ID -> assigned users
	tickets   map[string]TicketState     // COC ticket number -> state
	nextNum   int
	requests  int
	faults    Faults
	faultHits map[*Fault]int
	closing   chan struct{}
	closeOnce sync.Once
	server    *httptest.Server
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithFaults makes the sandbox misbehave as f says.
func WithFaults(f Faults) Option { return func(s *Sandbox) { s.faults = f } }

// New returns a sandbox loaded with the demo data. The demo ticket starts
// with its solution submitted, so it can be verified at once; tickets
// created later start "created".
func New(opts ...Option) *Sandbox {
	s := &Sandbox{
		incidents: map[string]bool{},
		relations: map[string]map[string]bool{},
		coralogix: map[string][]string{},
		tickets:   map[string]TicketState{DemoTicket: TicketSolved},
		nextNum:   1,
		faults:    Faults{},
		faultHits: map[*Fault]int{},
		closing:   make(chan struct{}),
	}
	for _, id := range DemoIncidents {
		s.incidents[id] = true
	}
	for inc, alerts := range DemoAlerts {
		set := map[string]bool{}
		for _, a := range alerts {
			set[a] = true
		}
		s.relations["incidents/"+inc+"/alerts"] = set
	}
	for _, id := range DemoCoralogix {
		s.coralogix[id] = []string{demoCoralogixAssign}
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start serves the sandbox on a loopback port and returns its base URL.
func (s *Sandbox) Start() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("sandbox: listen on loopback: %w", err)
	}
	s.server = &httptest.Server{Listener: l, Config: &http.Server{Handler: s.Handler()}}
	s.server.Start()
	return s.server.URL, nil
}

// Close stops the server started by Start, releasing requests held by a
// timeout fault.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	if s.server != nil {
		s.server.Close()
	}
}

// TicketState returns a COC ticket's state, and whether it exists.
func (s *Sandbox) TicketState(num string) (TicketState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.tickets[num]
	return st, ok
}

// Handler serves the three APIs.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /v1/{project}/workspaces/{workspace}/soc/incidents", s.route("secmaster.delete", huawei(s.deleteIncidents)))
	mux.HandleFunc("DELETE /v1/{project}/workspaces/{workspace}/soc/{dataclass}/{object}/{related}", s.route("secmaster.unlink", huawei(s.cancelAssociation)))
	mux.HandleFunc("POST /v1/external/incident/create", s.route("coc.create", huawei(s.createTicket)))
	mux.HandleFunc("POST /v1/external/incident/handle", s.route("coc.handle", huawei(s.handleTicket)))
	mux.HandleFunc("DELETE /mgmt/openapi/latest/incidents/incidents/v1/by-user", s.route("coralogix.unassign", s.unassign))
	return mux
}

// route gives every answer a request ID and applies the route's fault.
func (s *Sandbox) route(name string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		id := fmt.Sprintf("sandbox-%06d", s.requests)
		s.mu.Unlock()
		w.Header().Set("X-Request-Id", id)
		if s.misbehave(w, r, name) {
			return
		}
		next(w, r)
	}
}
