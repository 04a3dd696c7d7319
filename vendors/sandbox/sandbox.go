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
	"time"
)

// TicketState is where a COC ticket is in its lifecycle; the sandbox
// reports it as the ticket's status.
type TicketState string

// The COC ticket states the sandbox keeps, in order.
const (
	TicketCreated  TicketState = "created"
	TicketAccepted TicketState = "accepted"
	TicketSolved   TicketState = "solution_submitted"
	TicketVerified TicketState = "verified"
)

// Sandbox holds the emulated state: every read is served from the same
// records the writes change. The zero value is not usable: call New.
type Sandbox struct {
	mu        sync.Mutex
	incidents map[string]*smObject       // SecMaster incidents
	alerts    map[string]*smObject       // SecMaster alerts
	relations map[string]map[string]bool // "incidents/inc-1001/alerts" -> alert IDs
	coralogix map[string]*cxIncident     // Coralogix incidents
	cases     map[string]*cxCase         // Coralogix cases, by readable ID
	tickets   map[string]*ticket         // COC ticket number -> ticket
	nextNum   int
	requests  int
	faults    Faults
	faultHits map[*Fault]int
	closing   chan struct{}
	closeOnce sync.Once
	server    *httptest.Server
	now       func() time.Time
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithFaults makes the sandbox misbehave as f says.
func WithFaults(f Faults) Option { return func(s *Sandbox) { s.faults = f } }

// New returns a sandbox loaded with the demo data (see seed.go). The demo
// ticket starts created, so the README's accept works at once; a second
// demo ticket starts with its solution submitted, ready to verify.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{
		nextNum:   1,
		faults:    Faults{},
		faultHits: map[*Fault]int{},
		closing:   make(chan struct{}),
		now:       time.Now,
	}
	s.seed()
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
	t, ok := s.tickets[num]
	if !ok {
		return "", false
	}
	return t.State, true
}

// Handler serves the three APIs.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	const soc = "/v1/{project}/workspaces/{workspace}/soc"
	mux.HandleFunc("DELETE "+soc+"/incidents", s.route("secmaster.delete", huawei(s.deleteIncidents)))
	mux.HandleFunc("DELETE "+soc+"/{dataclass}/{object}/{related}", s.route("secmaster.unlink", huawei(s.cancelAssociation)))
	mux.HandleFunc("POST "+soc+"/incidents/search", s.route("secmaster.search", huawei(s.searchIncidents)))
	mux.HandleFunc("POST "+soc+"/alerts/search", s.route("secmaster.alerts", huawei(s.searchAlerts)))
	mux.HandleFunc("POST "+soc+"/{dataclass}/{object}/{related}/search", s.route("secmaster.related", huawei(s.searchRelated)))
	mux.HandleFunc("POST /v1/external/incident/create", s.route("coc.create", huawei(s.createTicket)))
	mux.HandleFunc("POST /v1/external/incident/handle", s.route("coc.handle", huawei(s.handleTicket)))
	mux.HandleFunc("GET /v1/external/incident/{num}", s.route("coc.show", huawei(s.showTicket)))
	mux.HandleFunc("GET /v1/incident-tickets", s.route("coc.list", huawei(s.listTickets)))
	// Coralogix: the versioned base its OpenAPI names and the reference
	// page's "latest", each with its own unassign path.
	for base, unassign := range map[string]string{"/mgmt/openapi/5": "/incidents/incidents/v1/all/by-user", "/mgmt/openapi/latest": "/incidents/incidents/v1/by-user"} {
		mux.HandleFunc("DELETE "+base+unassign, s.route("coralogix.unassign", coralogixAuth(s.unassign)))
		mux.HandleFunc("GET "+base+"/incidents/incidents/v1", s.route("coralogix.get", coralogixAuth(s.batchGet)))
		mux.HandleFunc("POST "+base+"/incidents/incidents/v1", s.route("coralogix.list", coralogixAuth(s.listCoralogix)))
		mux.HandleFunc("DELETE "+base+"/cases/assigned/v1", s.route("coralogix.cases", coralogixAuth(s.unassignCases)))
	}
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
