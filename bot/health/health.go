// Package health answers the orchestrator's two questions: is the process
// serving (GET /healthz), and is it ready for traffic (GET /readyz). Ready
// is a list of named probes that main registers: configuration loaded, a
// chat platform connected or its endpoint served, the shared store
// reachable. Each probe is a func(ctx) error; the first to fail is named in
// the answer.
package health

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Timeout bounds one probe.
const Timeout = 2 * time.Second

// Checker holds the readiness probes. It is safe for concurrent use.
type Checker struct {
	mu     sync.Mutex
	probes []probe
}

type probe struct {
	name  string
	check func(ctx context.Context) error
}

// New returns a Checker with no probes (ready).
func New() *Checker { return &Checker{} }

// Add registers a readiness probe under name ("chat", "store").
func (c *Checker) Add(name string, check func(ctx context.Context) error) {
	c.mu.Lock()
	c.probes = append(c.probes, probe{name, check})
	c.mu.Unlock()
}

// Failure is a probe that failed.
type Failure struct {
	Probe string
	Err   error
}

// Check runs every probe at once, each within Timeout, and returns the
// failures in the order the probes were added.
func (c *Checker) Check(ctx context.Context) []Failure {
	c.mu.Lock()
	probes := append([]probe(nil), c.probes...)
	c.mu.Unlock()
	errs := make([]error, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, Timeout)
			defer cancel()
			errs[i] = p.check(ctx)
		}()
	}
	wg.Wait()
	var out []Failure
	for i, err := range errs {
		if err != nil {
			out = append(out, Failure{probes[i].name, err})
		}
	}
	return out
}

// Routes adds GET /healthz and GET /readyz to mux.
func (c *Checker) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", c.serveReady)
}

func (c *Checker) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	failures := c.Check(r.Context())
	if len(failures) == 0 {
		fmt.Fprintln(w, "ready")
		return
	}
	var b strings.Builder
	b.WriteString("not ready:\n")
	for _, f := range failures {
		fmt.Fprintf(&b, "  %s: %v\n", f.Probe, f.Err)
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprint(w, b.String())
}

// Flag is a probe that fails with its reason until it is set: "connected
// to the gateway", "listening". It is safe for concurrent use.
type Flag struct {
	mu     sync.Mutex
	ok     bool
	reason string
}

// NewFlag returns a flag that is not set, failing with reason.
func NewFlag(reason string) *Flag { return &Flag{reason: reason} }

// Set marks the flag ready (true) or not, with the reason it is not.
func (f *Flag) Set(ok bool, reason string) {
	f.mu.Lock()
	f.ok = ok
	if reason != "" {
		f.reason = reason
	}
	f.mu.Unlock()
}

// Check is the flag's probe.
func (f *Flag) Check(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ok {
		return nil
	}
	return fmt.Errorf("%s", f.reason)
}

// Probe is what the healthcheck subcommand does: GET url (an /readyz) and
// return nil on 200, else an error with the answer's first line.
func Probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body [512]byte
	n, _ := resp.Body.Read(body[:])
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body[:n])))
	}
	return nil
}
