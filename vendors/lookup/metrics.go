package lookup

import "time"

// Outcome is how one vendor read ended, for metrics.
type Outcome string

// The outcomes of a read.
const (
	OK       Outcome = "ok"        // the vendor answered (found or not found)
	Failed   Outcome = "failed"    // could not look up: the vendor's error, an untrustworthy answer
	TimedOut Outcome = "timed_out" // the deadline passed first
)

// Metrics hears of every vendor read and every cache look-up. The
// implementation (Prometheus counters and a histogram) belongs to the
// caller; a nil Metrics in Config is allowed.
type Metrics interface {
	// Read is one vendor call: vendor "SecMaster", "COC" or "Coralogix";
	// op "incidents", "alerts", "linked_alerts", "ticket",
	// "list_incidents", "list_tickets"; how long it took, queueing for the
	// per-vendor bound included.
	Read(vendor, op string, outcome Outcome, took time.Duration)
	// Cache is one cache look-up of one ID (kind as in op).
	Cache(vendor, kind string, hit bool)
}

type noMetrics struct{}

func (noMetrics) Read(string, string, Outcome, time.Duration) {}
func (noMetrics) Cache(string, string, bool)                  {}
