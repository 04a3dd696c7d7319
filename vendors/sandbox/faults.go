package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultKind is one way a vendor misbehaves.
type FaultKind string

// The faults the sandbox can inject.
const (
	Fault5xxJSON  FaultKind = "500"     // a 5xx with a JSON error body (the number may be any 5xx: 502, 503)
	Fault5xxHTML  FaultKind = "html500" // a 502 with a large HTML error page
	FaultHTML200  FaultKind = "html200" // a 200 with an HTML page
	FaultBadJSON  FaultKind = "badjson" // a 200 with broken JSON
	FaultCut      FaultKind = "cut"     // a 200 whose body stops mid-way (connection closed)
	FaultReset    FaultKind = "reset"   // the connection is reset before any header
	FaultTimeout  FaultKind = "timeout" // no answer until the client gives up (or Arg elapses)
	FaultThrottle FaultKind = "429"     // a 429 with Retry-After (Arg seconds, default 1)
	FaultSlow     FaultKind = "slow"    // the normal answer, after Arg (a long batch, to stop part way)
)

// Fault is one injected misbehaviour.
type Fault struct {
	Kind   FaultKind
	Status int           // for 5xx JSON: the status (500 unless given)
	Arg    time.Duration // Retry-After for 429; the delay for timeout (0: wait for the client)
	Times  int           // only the first Times requests misbehave; 0: all
}

// Faults maps a target to its fault. A target is a route (one of Routes),
// a vendor ("secmaster", "coc", "coralogix") or "*"; the most specific
// one applies.
type Faults map[string]*Fault

// Routes are the sandbox's fault targets, one per API call: the writes,
// then the reads.
var Routes = []string{
	"secmaster.delete", "secmaster.unlink", "coc.create", "coc.handle", "coralogix.unassign", "coralogix.cases",
	"secmaster.search", "secmaster.alerts", "secmaster.related", "coc.show", "coc.list", "coralogix.get", "coralogix.list",
}

// ParseFaults reads a spec such as
// "secmaster.delete=html200,coralogix=timeout,coc.create=500". A kind may
// take an argument after a colon ("429:0" for Retry-After 0,
// "timeout:2s", "503" for a JSON 503) and a count after a star
// ("429:0*2": the first two requests only). An empty spec is no fault.
func ParseFaults(spec string) (Faults, error) {
	f := Faults{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		target, kind, ok := strings.Cut(part, "=")
		target, kind = strings.ToLower(strings.TrimSpace(target)), strings.ToLower(strings.TrimSpace(kind))
		if !ok || target == "" || kind == "" {
			return nil, fmt.Errorf("sandbox faults: %q is not target=kind", part)
		}
		if !knownTarget(target) {
			return nil, fmt.Errorf("sandbox faults: unknown target %q (want *, secmaster, coc, coralogix or one of %s)", target, strings.Join(Routes, ", "))
		}
		fault, err := parseFault(kind)
		if err != nil {
			return nil, fmt.Errorf("sandbox faults: %s: %w", target, err)
		}
		f[target] = fault
	}
	return f, nil
}

func knownTarget(t string) bool {
	if t == "*" || t == "secmaster" || t == "coc" || t == "coralogix" {
		return true
	}
	for _, r := range Routes {
		if r == t {
			return true
		}
	}
	return false
}

func parseFault(s string) (*Fault, error) {
	f := &Fault{}
	if body, n, ok := strings.Cut(s, "*"); ok {
		times, err := strconv.Atoi(n)
		if err != nil || times < 1 {
			return nil, fmt.Errorf("count %q is not a positive number", n)
		}
		f.Times, s = times, body
	}
	kind, arg, hasArg := strings.Cut(s, ":")
	switch FaultKind(kind) {
	case Fault5xxHTML, FaultHTML200, FaultBadJSON, FaultCut, FaultReset:
		if hasArg {
			return nil, fmt.Errorf("%s takes no argument", kind)
		}
		f.Kind = FaultKind(kind)
	case FaultTimeout:
		f.Kind = FaultTimeout
		if hasArg {
			d, err := time.ParseDuration(arg)
			if err != nil {
				return nil, fmt.Errorf("timeout: %w", err)
			}
			f.Arg = d
		}
	case FaultSlow:
		d, err := time.ParseDuration(arg)
		if !hasArg || err != nil || d <= 0 {
			return nil, fmt.Errorf("slow takes a duration: slow:2s")
		}
		f.Kind, f.Arg = FaultSlow, d
	case FaultThrottle:
		f.Kind, f.Arg = FaultThrottle, time.Second
		if hasArg {
			secs, err := strconv.Atoi(arg)
			if err != nil || secs < 0 {
				return nil, fmt.Errorf("429: Retry-After %q is not a number of seconds", arg)
			}
			f.Arg = time.Duration(secs) * time.Second
		}
	default:
		status, err := strconv.Atoi(kind)
		if err != nil || status < 500 || status > 599 || hasArg {
			return nil, fmt.Errorf("unknown fault %q (want 5xx, html500, html200, badjson, cut, reset, timeout[:DURATION], slow:DURATION or 429[:SECONDS])", s)
		}
		f.Kind, f.Status = Fault5xxJSON, status
	}
	return f, nil
}

// lookup returns the fault for route, most specific target first.
func (f Faults) lookup(route string) *Fault {
	vendor, _, _ := strings.Cut(route, ".")
	for _, t := range []string{route, vendor, "*"} {
		if fault, ok := f[t]; ok {
			return fault
		}
	}
	return nil
}

// String writes the faults back as a spec.
func (f Faults) String() string {
	var parts []string
	for t, fault := range f {
		parts = append(parts, t+"="+fault.String())
	}
	return strings.Join(parts, ",")
}

// String writes the fault as in a spec.
func (f *Fault) String() string {
	s := string(f.Kind)
	switch f.Kind {
	case Fault5xxJSON:
		s = strconv.Itoa(f.Status)
	case FaultThrottle:
		s += ":" + strconv.Itoa(int(f.Arg/time.Second))
	case FaultTimeout:
		if f.Arg > 0 {
			s += ":" + f.Arg.String()
		}
	case FaultSlow:
		s += ":" + f.Arg.String()
	}
	if f.Times > 0 {
		s += "*" + strconv.Itoa(f.Times)
	}
	return s
}
