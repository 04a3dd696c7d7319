// Package metrics holds incidentbot's Prometheus metrics: one registry per
// process (never the global default, so tests make their own), the handler
// that serves it, and one method per fact the bot records. Every label value
// comes from a fixed set: a user's text or an ID never becomes a label.
//
// A nil *Metrics records nothing, so a component built without metrics
// (most tests) needs no special case.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Result labels of incidentbot_commands_total.
const (
	OK         = "ok"
	UsageError = "usage_error"
	Denied     = "denied"
	Error      = "error"
	// Duplicate is a create repeated within minutes: answered with the
	// first one's ticket, nothing run.
	Duplicate = "duplicate"
)

// Outcome labels of incidentbot_confirmations_total.
const (
	Confirmed = "confirmed"
	Cancelled = "cancelled"
	Expired   = "expired"
	Refused   = "refused"
	// AwaitingApproval is a requester's Confirm that now waits for a
	// second person's Approve.
	AwaitingApproval = "awaiting_approval"
	// Dropped is an open confirmation a stop forgot (an in-memory store).
	Dropped = "dropped"
)

// Result labels of incidentbot_chat_deliveries_total: the message was
// updated where the user looks (in place), went by another route (a new
// message, a private follow-up), or did not arrive.
const (
	InPlace  = "in_place"
	Fallback = "fallback"
	Failed   = "failed"
)

// Unknown replaces a label value outside its fixed set.
const Unknown = "unknown"

// Metrics records the bot's facts in its own registry.
type Metrics struct {
	reg           *prometheus.Registry
	commands      *prometheus.CounterVec
	confirmations *prometheus.CounterVec
	vendorCalls   *prometheus.CounterVec
	vendorTime    *prometheus.HistogramVec
	deliveries    *prometheus.CounterVec
	auditPosts    *prometheus.CounterVec
	results       *prometheus.CounterVec
	undelivered   *prometheus.CounterVec
	reads         *reads

	// commandCounters holds the incidentbot_commands_total children
	// already resolved, by commandKey: counting a command is then one
	// lookup, not hashing three label values into the vector each time.
	// Its keys come from fixed sets, so it stays small.
	commandCounters sync.Map
}

type commandKey struct{ platform, verb, result string }

// New returns metrics in a fresh registry, with the Go and process
// collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_commands_total",
			Help: "Commands received, by platform, verb and result (ok, usage_error, denied, error, duplicate)."},
			[]string{"platform", "verb", "result"}),
		confirmations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_confirmations_total",
			Help: "Confirmation moves, by outcome (confirmed, awaiting_approval, cancelled, expired, dropped, refused)."},
			[]string{"outcome"}),
		vendorCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_vendor_requests_total",
			Help: "Vendor API requests (one per batch call), by vendor, operation and outcome (done, refused, unknown)."},
			[]string{"vendor", "operation", "outcome"}),
		vendorTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "incidentbot_vendor_request_duration_seconds",
			Help:    "Time taken by one vendor API request, retries included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30, 60}},
			[]string{"vendor", "operation"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_chat_deliveries_total",
			Help: "Replies delivered after the acknowledgement (progress and results), by platform, route and result (in_place, fallback, failed)."},
			[]string{"platform", "route", "result"}),
		auditPosts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_audit_posts_total",
			Help: "Messages to the audit channel, by platform and result (posted, failed)."},
			[]string{"platform", "result"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_action_results_total",
			Help: "Actions that ran, by verb and result (done, refused, unknown, not_sent, error)."},
			[]string{"verb", "result"}),
		undelivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_results_undelivered_total",
			Help: "Results no route could show to anyone (the audit log holds them), by platform."},
			[]string{"platform"}),
	}
	m.reg.MustRegister(m.commands, m.confirmations, m.vendorCalls, m.vendorTime, m.deliveries, m.auditPosts, m.results, m.undelivered,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reads = newReads(m.reg)
	return m
}

// Registry is the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Pending registers incidentbot_confirmations_pending, read from count at
// every scrape: with a shared store, every replica reports the same, right
// number (take max, not sum, across replicas).
func (m *Metrics) Pending(count func(ctx context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "incidentbot_confirmations_pending",
		Help: "Confirmations waiting for a press, as the pending store counts them (shared across replicas)."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := count(ctx)
			if err != nil {
				return -1 // the store is unreachable; /readyz says so too
			}
			return float64(n)
		}))
}

// Command counts a command. verb must already be a known verb's name or
// Unknown; platform one of the adapters' names.
func (m *Metrics) Command(platform, verb, result string) {
	if m == nil {
		return
	}
	k := commandKey{oneOf(platform, platforms), verb, oneOf(result, commandResults)}
	if c, ok := m.commandCounters.Load(k); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := m.commands.WithLabelValues(k.platform, k.verb, k.result)
	m.commandCounters.Store(k, c)
	c.Inc()
}

// Confirmation counts a settled confirmation.
func (m *Metrics) Confirmation(outcome string) {
	if m == nil {
		return
	}
	m.confirmations.WithLabelValues(oneOf(outcome, confirmationOutcomes)).Inc()
}

// VendorRequest counts one vendor request and its duration. outcome is
// "done", "refused" or "unknown".
func (m *Metrics) VendorRequest(vendor, operation, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	vendor = oneOf(vendor, vendorNames)
	m.vendorCalls.WithLabelValues(vendor, operation, oneOf(outcome, vendorOutcomes)).Inc()
	m.vendorTime.WithLabelValues(vendor, operation).Observe(took.Seconds())
}

// Delivery counts a reply delivered after the acknowledgement.
func (m *Metrics) Delivery(platform, route, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(oneOf(platform, platforms), route, oneOf(result, deliveryResults)).Inc()
}

// Delivered counts one delivery by its route's result: failed on an
// error, else in place or, when the route is a fallback, fallback.
func (m *Metrics) Delivered(platform, route string, err error, fallback bool) {
	result := InPlace
	switch {
	case err != nil:
		result = Failed
	case fallback:
		result = Fallback
	}
	m.Delivery(platform, route, result)
}

// AuditPost counts a message to the audit channel (posted or failed).
func (m *Metrics) AuditPost(platform string, ok bool) {
	if m == nil {
		return
	}
	result := "posted"
	if !ok {
		result = "failed"
	}
	m.auditPosts.WithLabelValues(oneOf(platform, platforms), result).Inc()
}

// ActionResult counts the result of an action that ran. verb must
// already be a known verb's name or Unknown.
func (m *Metrics) ActionResult(verb, result string) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(verb, oneOf(result, actionResults)).Inc()
}

// Undelivered counts a result that no route could show.
func (m *Metrics) Undelivered(platform string) {
	if m == nil {
		return
	}
	m.undelivered.WithLabelValues(oneOf(platform, platforms)).Inc()
}

var (
	platforms            = []string{"slack", "discord", "console"}
	commandResults       = []string{OK, UsageError, Denied, Error, Duplicate}
	confirmationOutcomes = []string{Confirmed, Cancelled, Expired, Refused, AwaitingApproval, Dropped}
	actionResults        = []string{"done", "refused", "unknown", "not_sent", "error"}
	vendorOutcomes       = []string{"done", "refused", "unknown"}
	vendorNames          = []string{"SecMaster", "COC", "Coralogix"}
	deliveryResults      = []string{InPlace, Fallback, Failed}
)

// oneOf returns v if it is in set, else Unknown: a guard against a label
// value that would grow the series without bound.
func oneOf(v string, set []string) string {
	for _, s := range set {
		if s == v {
			return v
		}
	}
	return Unknown
}
