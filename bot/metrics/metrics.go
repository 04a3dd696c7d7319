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
	"strings"
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
	// Dropped is an open confirmation a stop forgot (an in-memory store),
	// or, as a delivery's result, a private note not sent because too
	// many were waiting (load shed, not a failure of Slack).
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

// Reason labels of incidentbot_webhooks_rejected_total.
const (
	BadSignature = "bad_signature"
	Stale        = "stale"
	Replay       = "replay"
	TooLarge     = "too_large"
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
	rejected      *prometheus.CounterVec
	policyReloads *prometheus.CounterVec
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
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_webhooks_rejected_total",
			Help: "Webhook requests refused before any work, by platform and reason (bad_signature, stale, replay, too_large)."},
			[]string{"platform", "reason"}),
		policyReloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "incidentbot_policy_reloads_total",
			Help: "Reloads of the access policy file (on a change or SIGHUP), by result (ok, failed: the previous policy stays)."},
			[]string{"result"}),
	}
	m.reg.MustRegister(m.commands, m.confirmations, m.vendorCalls, m.vendorTime, m.deliveries, m.auditPosts, m.results, m.undelivered, m.rejected, m.policyReloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reads = newReads(m.reg)
	// The fixed label sets exist from the start, at zero: a rate() or an
	// alert over them then sees 0, not "no data", until the first event.
	for _, o := range confirmationOutcomes {
		m.confirmations.WithLabelValues(o)
	}
	m.policyReloads.WithLabelValues("ok")
	m.policyReloads.WithLabelValues("failed")
	for _, p := range platforms {
		m.auditPosts.WithLabelValues(p, "posted")
		m.auditPosts.WithLabelValues(p, "failed")
	}
	for p, routes := range deliveryRoutes {
		for _, route := range routes {
			for _, r := range deliveryResults {
				m.deliveries.WithLabelValues(p, route, r)
			}
		}
	}
	for _, p := range webhookPlatforms {
		for _, r := range rejectReasons {
			m.rejected.WithLabelValues(p, r)
		}
	}
	return m
}

// Known creates, at zero, the series whose label values are known only to
// the caller: every verb's commands_total on every platform, and each
// vendor's requests by operation (vendorVerbs: vendor name -> its verbs).
func (m *Metrics) Known(verbs []string, vendorVerbs map[string][]string) {
	if m == nil {
		return
	}
	for _, p := range platforms {
		for _, v := range append(verbs, Unknown) {
			for _, r := range commandResults {
				m.commands.WithLabelValues(p, v, r)
			}
		}
	}
	for vendor, ops := range vendorVerbs {
		vendor = oneOf(strings.ToLower(vendor), vendorNames)
		for _, op := range ops {
			for _, o := range vendorOutcomes {
				m.vendorCalls.WithLabelValues(vendor, op, o)
			}
			m.vendorTime.WithLabelValues(vendor, op)
		}
	}
}

// BuildInfo registers incidentbot_build_info, always 1, whose labels say
// which build runs: join it to other series, or count versions in a
// rollout.
func (m *Metrics) BuildInfo(version, commit, goVersion string) {
	if m == nil {
		return
	}
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "incidentbot_build_info",
		Help: "Always 1; the labels name the running build."}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(version, commit, goVersion).Set(1)
	m.reg.MustRegister(g)
}

// PolicyReload counts a reload of the access policy: ok, or failed (the
// previous policy stays in force).
func (m *Metrics) PolicyReload(ok bool) {
	if m == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.policyReloads.WithLabelValues(result).Inc()
}

// SignatureReason is the reject reason for a signature check's problem:
// Stale for "stale timestamp" (a clock off, or an old capture), else
// BadSignature.
func SignatureReason(problem string) string {
	if problem == "stale timestamp" {
		return Stale
	}
	return BadSignature
}

// WebhookRejected counts a webhook request refused before any work.
// reason is one of BadSignature, Stale, Replay, TooLarge.
func (m *Metrics) WebhookRejected(platform, reason string) {
	if m == nil {
		return
	}
	m.rejected.WithLabelValues(oneOf(platform, webhookPlatforms), oneOf(reason, rejectReasons)).Inc()
}

// Registry is the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Pending registers, read from count at every scrape (one call for both):
// incidentbot_store_up, 1 when the pending store answered and 0 when it
// did not; and incidentbot_confirmations_pending, as the store counts them.
// With a shared store every replica reports the same, right number (take
// max, not sum, across replicas). While the store does not answer, the
// pending count is left out of the scrape rather than given a made-up
// value: store_up says why.
func (m *Metrics) Pending(count func(ctx context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&storeCollector{count: count})
}

var (
	storeUpDesc = prometheus.NewDesc("incidentbot_store_up",
		"1 when the pending store (memory or Redis) answered the last scrape, else 0.", nil, nil)
	pendingDesc = prometheus.NewDesc("incidentbot_confirmations_pending",
		"Confirmations waiting for a press, as the pending store counts them (shared across replicas); absent while the store does not answer.", nil, nil)
)

// storeCollector asks the store once per scrape.
type storeCollector struct {
	count func(ctx context.Context) (int, error)
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storeUpDesc
	ch <- pendingDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
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
// "done", "refused" or "unknown"; the vendor's name is recorded in lower
// case ("SecMaster" as secmaster).
func (m *Metrics) VendorRequest(vendor, operation, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	vendor = oneOf(strings.ToLower(vendor), vendorNames)
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
	vendorNames          = []string{"secmaster", "coc", "coralogix"} // lower case, like every label value
	webhookPlatforms     = []string{"slack", "discord"}
	// deliveryRoutes are the adapters' routes (their route* constants),
	// created at zero so an alert on failed deliveries has a series.
	deliveryRoutes = map[string][]string{
		"slack":   {"response_url", "chat_post", "chat_update", "chat_post_ephemeral"},
		"discord": {"interaction_edit", "followup", "channel_message"},
	}
	rejectReasons   = []string{BadSignature, Stale, Replay, TooLarge}
	deliveryResults = []string{InPlace, Fallback, Failed, Dropped}
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
