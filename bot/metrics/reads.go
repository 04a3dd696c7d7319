package metrics

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// reads are the vendor-read metrics.
type reads struct {
	calls *prometheus.CounterVec
	took  *prometheus.HistogramVec
	cache *prometheus.CounterVec
}

func newReads(reg *prometheus.Registry) *reads {
	r := &reads{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_vendor_reads_total",
			Help: "Vendor reads (look-ups and lists), by vendor, op and outcome (ok, failed, timed_out)."},
			[]string{"vendor", "op", "outcome"}),
		took: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "incidentbot_vendor_read_seconds",
			Help:    "Time taken by one vendor read, waiting for a free slot included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5}},
			[]string{"vendor", "op"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_lookup_cache_total",
			Help: "Look-up cache checks, one per ID, by vendor, kind and result (hit, miss)."},
			[]string{"vendor", "kind", "result"}),
	}
	reg.MustRegister(r.calls, r.took, r.cache)
	// Every series at zero from the start, like the other fixed sets.
	for _, v := range readVendors {
		for _, op := range readOps {
			for _, o := range readOutcomes {
				r.calls.WithLabelValues(v, op, o)
			}
			r.took.WithLabelValues(v, op)
			r.cache.WithLabelValues(v, op, "hit")
			r.cache.WithLabelValues(v, op, "miss")
		}
	}
	return r
}

var (
	readVendors  = []string{"secmaster", "coc", "coralogix"}
	readOps      = []string{"incidents", "alerts", "linked_alerts", "ticket", "list_incidents", "list_tickets"}
	readOutcomes = []string{string(lookup.OK), string(lookup.Failed), string(lookup.TimedOut)}
)

// Lookups is what the lookup reader reports to (lookup.Config.Metrics):
// incidentbot_vendor_reads_total, incidentbot_vendor_read_seconds and
// incidentbot_lookup_cache_total, with lower-case label values. Nil
// metrics record nothing.
func (m *Metrics) Lookups() lookup.Metrics {
	if m == nil {
		return nil
	}
	return lookupMetrics{m.reads}
}

type lookupMetrics struct{ r *reads }

// Read counts one vendor read and its duration.
func (l lookupMetrics) Read(vendor, op string, outcome lookup.Outcome, took time.Duration) {
	vendor, op = oneOf(strings.ToLower(vendor), readVendors), oneOf(op, readOps)
	l.r.calls.WithLabelValues(vendor, op, oneOf(string(outcome), readOutcomes)).Inc()
	l.r.took.WithLabelValues(vendor, op).Observe(took.Seconds())
}

// Cache counts one cache check.
func (l lookupMetrics) Cache(vendor, kind string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	l.r.cache.WithLabelValues(oneOf(strings.ToLower(vendor), readVendors), oneOf(kind, readOps), result).Inc()
}
