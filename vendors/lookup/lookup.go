// Package lookup is the bot's one way to read the vendors: a caching,
// bounded reader over the SecMaster, COC and Coralogix read clients.
//
//   - Every call ends by a deadline (Config.Deadline, 2 s by default); an
//     ID not answered by then is vendors.CouldNotLookUp with a
//     *vendors.LookupError whose Reason is "timed out after 2s".
//   - Concurrent vendor calls are bounded per vendor (Config.PerVendor);
//     waiting for a slot counts against the deadline.
//   - Answers about IDs (found and not found, never "could not look up")
//     are cached for Config.TTL. Invalidate drops what a write touched, so
//     a confirmation never shows a just-deleted incident as open; an
//     answer fetched while an invalidation ran is not stored.
//   - Lists are not cached: a page is read fresh, within the same bound.
package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
)

// Defaults for Config's zero values.
const (
	DefaultTTL       = 30 * time.Second
	DefaultDeadline  = 2 * time.Second
	DefaultPerVendor = 4
)

// ErrNotConfigured is the Err of a LookupError for a vendor the bot has
// no client for.
var ErrNotConfigured = errors.New("not configured")

// Config configures a Reader. A nil reader means that vendor is not
// configured: its look-ups answer "could not look up: not configured".
type Config struct {
	SecMaster vendors.SecMasterReader
	COC       vendors.COCReader
	Coralogix vendors.CoralogixReader
	Cache     Cache         // nil: NewMemory(0)
	TTL       time.Duration // how long an answer is reused; 0: DefaultTTL
	Deadline  time.Duration // per call; 0: DefaultDeadline
	PerVendor int           // concurrent calls per vendor; 0: DefaultPerVendor
	Metrics   Metrics       // nil: none
}

// Reader reads the vendors through a cache, bounded. It is safe for
// concurrent use.
type Reader struct {
	cfg   Config
	slots map[string]chan struct{}
	gen   atomic.Uint64 // bumped by every Invalidate
}

// New builds a Reader.
func New(cfg Config) *Reader {
	if cfg.Cache == nil {
		cfg.Cache = NewMemory(0)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultDeadline
	}
	if cfg.PerVendor <= 0 {
		cfg.PerVendor = DefaultPerVendor
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	r := &Reader{cfg: cfg, slots: map[string]chan struct{}{}}
	for _, v := range []string{vendors.SecMaster, vendors.COC, vendors.Coralogix} {
		r.slots[v] = make(chan struct{}, cfg.PerVendor)
	}
	return r
}

// The kinds of cached answer, also the ops metrics name.
const (
	kindIncident   = "incidents"
	kindAlert      = "alerts"
	kindLinks      = "linked_alerts"
	kindTicket     = "ticket"
	kindCoralogix  = "incidents"
	opListIncident = "list_incidents"
	opListTickets  = "list_tickets"
)

// cacheKinds are every cached kind per vendor, for Invalidate.
var cacheKinds = []struct{ vendor, kind string }{
	{vendors.SecMaster, kindIncident}, {vendors.SecMaster, kindAlert}, {vendors.SecMaster, kindLinks},
	{vendors.Coralogix, kindCoralogix}, {vendors.COC, kindTicket},
}

func key(vendor, kind, id string) string {
	return "incidentbot:lookup:v1:" + vendor + ":" + kind + ":" + id
}

// Invalidate drops every cached answer about ids, in every vendor: call it
// after a write (delete, unlink, unassign, a ticket step) with the IDs it
// touched, the incident of an unlink included, whatever the outcome.
func (r *Reader) Invalidate(ctx context.Context, ids ...string) {
	r.gen.Add(1)
	var keys []string
	for _, id := range ids {
		for _, k := range cacheKinds {
			keys = append(keys, key(k.vendor, k.kind, id))
		}
	}
	if len(keys) > 0 {
		r.cfg.Cache.Delete(ctx, keys...)
	}
	r.gen.Add(1)
}

// SecMasterIncidents looks SecMaster incidents up, one answer per ID in
// order.
func (r *Reader) SecMasterIncidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	var get func(context.Context, []string) []vendors.Lookup[vendors.Incident]
	if r.cfg.SecMaster != nil {
		get = r.cfg.SecMaster.Incidents
	}
	return lookupIDs(ctx, r, vendors.SecMaster, kindIncident, ids, get)
}

// Alerts looks SecMaster alerts up, one answer per ID in order.
func (r *Reader) Alerts(ctx context.Context, ids []string) []vendors.Lookup[vendors.Alert] {
	var get func(context.Context, []string) []vendors.Lookup[vendors.Alert]
	if r.cfg.SecMaster != nil {
		get = r.cfg.SecMaster.Alerts
	}
	return lookupIDs(ctx, r, vendors.SecMaster, kindAlert, ids, get)
}

// CoralogixIncidents looks Coralogix incidents up, one answer per ID in
// order.
func (r *Reader) CoralogixIncidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	var get func(context.Context, []string) []vendors.Lookup[vendors.Incident]
	if r.cfg.Coralogix != nil {
		get = r.cfg.Coralogix.Incidents
	}
	return lookupIDs(ctx, r, vendors.Coralogix, kindCoralogix, ids, get)
}

// Ticket looks a COC ticket up.
func (r *Reader) Ticket(ctx context.Context, number string) vendors.Lookup[vendors.Ticket] {
	var get func(context.Context, []string) []vendors.Lookup[vendors.Ticket]
	if r.cfg.COC != nil {
		get = func(ctx context.Context, ids []string) []vendors.Lookup[vendors.Ticket] {
			return []vendors.Lookup[vendors.Ticket]{r.cfg.COC.Ticket(ctx, ids[0])}
		}
	}
	return lookupIDs(ctx, r, vendors.COC, kindTicket, []string{number}, get)[0]
}

// maxLinkedPages bounds LinkedAlerts: 10 pages of vendors.MaxListLimit.
const maxLinkedPages = 10

// LinkedAlerts returns every alert linked to a SecMaster incident (up to
// 1000), to tell whether an alert is linked to it. Found answers with
// the list (empty: none linked); CouldNotLookUp when any page failed or
// there are more than 1000.
func (r *Reader) LinkedAlerts(ctx context.Context, incidentID string) vendors.Lookup[[]vendors.Alert] {
	var get func(context.Context, []string) []vendors.Lookup[[]vendors.Alert]
	if sm := r.cfg.SecMaster; sm != nil {
		get = func(ctx context.Context, ids []string) []vendors.Lookup[[]vendors.Alert] {
			q := vendors.ListQuery{All: true, Limit: vendors.MaxListLimit}
			var all []vendors.Alert
			for range maxLinkedPages {
				p, err := sm.LinkedAlerts(ctx, ids[0], q)
				if err != nil {
					return vendors.Failed[[]vendors.Alert](ids, err)
				}
				all = append(all, p.Items...)
				if p.Next == "" {
					return []vendors.Lookup[[]vendors.Alert]{{ID: ids[0], Presence: vendors.Found, Item: all}}
				}
				q.Cursor = p.Next
			}
			return vendors.Failed[[]vendors.Alert](ids, &vendors.LookupError{Vendor: vendors.SecMaster,
				Reason: fmt.Sprintf("more than %d alerts are linked to %s", maxLinkedPages*vendors.MaxListLimit, ids[0])})
		}
	}
	return lookupIDs(ctx, r, vendors.SecMaster, kindLinks, []string{incidentID}, get)[0]
}

// ListSecMaster lists SecMaster incidents (see vendors.ListQuery).
func (r *Reader) ListSecMaster(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error) {
	var list func(context.Context, vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	if r.cfg.SecMaster != nil {
		list = r.cfg.SecMaster.ListIncidents
	}
	return listPage(ctx, r, vendors.SecMaster, opListIncident, q, list)
}

// ListLinkedAlerts lists the alerts linked to a SecMaster incident, a page
// at a time.
func (r *Reader) ListLinkedAlerts(ctx context.Context, incidentID string, q vendors.ListQuery) (vendors.Page[vendors.Alert], error) {
	var list func(context.Context, vendors.ListQuery) (vendors.Page[vendors.Alert], error)
	if sm := r.cfg.SecMaster; sm != nil {
		list = func(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Alert], error) {
			return sm.LinkedAlerts(ctx, incidentID, q)
		}
	}
	return listPage(ctx, r, vendors.SecMaster, kindLinks, q, list)
}

// ListCoralogix lists Coralogix incidents.
func (r *Reader) ListCoralogix(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error) {
	var list func(context.Context, vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	if r.cfg.Coralogix != nil {
		list = r.cfg.Coralogix.ListIncidents
	}
	return listPage(ctx, r, vendors.Coralogix, opListIncident, q, list)
}

// ListTickets lists COC tickets.
func (r *Reader) ListTickets(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Ticket], error) {
	var list func(context.Context, vendors.ListQuery) (vendors.Page[vendors.Ticket], error)
	if r.cfg.COC != nil {
		list = r.cfg.COC.ListTickets
	}
	return listPage(ctx, r, vendors.COC, opListTickets, q, list)
}

// cached is what the cache holds for one ID.
type cached[T any] struct {
	Presence vendors.Presence `json:"p"`
	Item     T                `json:"i"`
}

func lookupIDs[T any](ctx context.Context, r *Reader, vendor, kind string, ids []string, get func(context.Context, []string) []vendors.Lookup[T]) []vendors.Lookup[T] {
	if get == nil {
		return vendors.Failed[T](ids, &vendors.LookupError{Vendor: vendor, Reason: vendor + " is not configured", Err: ErrNotConfigured})
	}
	out := make([]vendors.Lookup[T], len(ids))
	// One cache read for every ID (a repeated ID asked once), before the
	// vendor; one write for every answer, after.
	at := map[string][]int{}
	var uniq, keys []string
	for i, id := range ids {
		if _, dup := at[id]; !dup {
			uniq = append(uniq, id)
			keys = append(keys, key(vendor, kind, id))
		}
		at[id] = append(at[id], i)
	}
	cachedValues := r.cfg.Cache.GetMany(ctx, keys)
	if len(cachedValues) != len(keys) {
		cachedValues = make([][]byte, len(keys)) // a broken cache: all misses
	}
	var missing []string
	for n, b := range cachedValues {
		id := uniq[n]
		var c cached[T]
		hit := b != nil && json.Unmarshal(b, &c) == nil && (c.Presence == vendors.Found || c.Presence == vendors.NotFound)
		for _, j := range at[id] {
			r.cfg.Metrics.Cache(vendor, kind, hit)
			if hit {
				out[j] = vendors.Lookup[T]{ID: id, Presence: c.Presence, Item: c.Item}
			}
		}
		if !hit {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out
	}
	gen := r.gen.Load()
	got, outcome := call(ctx, r, vendor, kind, missing, func(ctx context.Context) []vendors.Lookup[T] { return get(ctx, missing) })
	stale := r.gen.Load() != gen
	var store []Entry
	for i, id := range missing {
		l := got[i]
		l.ID = id
		for _, j := range at[id] {
			out[j] = l
		}
		if stale || outcome != OK || (l.Presence != vendors.Found && l.Presence != vendors.NotFound) {
			continue
		}
		if b, err := json.Marshal(cached[T]{Presence: l.Presence, Item: l.Item}); err == nil {
			store = append(store, Entry{Key: key(vendor, kind, id), Value: b})
		}
	}
	if len(store) > 0 {
		r.cfg.Cache.SetMany(ctx, store, r.cfg.TTL)
	}
	return out
}

// call runs one read within the deadline and the vendor's bound. Answers
// missing or cut off by the deadline read "could not look up: timed out".
func call[T any](ctx context.Context, r *Reader, vendor, op string, ids []string, read func(context.Context) []vendors.Lookup[T]) ([]vendors.Lookup[T], Outcome) {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Deadline)
	defer cancel()
	timedOut := &vendors.LookupError{Vendor: vendor, Reason: "timed out after " + r.cfg.Deadline.String(), Err: context.DeadlineExceeded}
	var got []vendors.Lookup[T]
	if err := r.acquire(ctx, vendor); err != nil {
		got = vendors.Failed[T](ids, r.why(ctx, vendor, err, timedOut))
	} else {
		got = read(ctx)
		r.release(vendor)
	}
	if len(got) != len(ids) {
		got = vendors.Failed[T](ids, &vendors.LookupError{Vendor: vendor, Reason: fmt.Sprintf("%d answers for %d IDs", len(got), len(ids))})
	}
	outcome := OK
	for i := range got {
		if got[i].Presence == vendors.CouldNotLookUp || got[i].Presence == 0 {
			got[i].Presence = vendors.CouldNotLookUp
			outcome = Failed
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				got[i].Err, outcome = wrapTimeout(timedOut, got[i].Err), TimedOut
			}
		}
	}
	r.cfg.Metrics.Read(vendor, op, outcome, time.Since(started))
	return got, outcome
}

func listPage[T any](ctx context.Context, r *Reader, vendor, op string, q vendors.ListQuery, list func(context.Context, vendors.ListQuery) (vendors.Page[T], error)) (vendors.Page[T], error) {
	if list == nil {
		return vendors.Page[T]{}, &vendors.LookupError{Vendor: vendor, Reason: vendor + " is not configured", Err: ErrNotConfigured}
	}
	var page vendors.Page[T]
	got, _ := call(ctx, r, vendor, op, []string{""}, func(ctx context.Context) []vendors.Lookup[vendors.Page[T]] {
		p, err := list(ctx, q)
		if err != nil {
			return vendors.Failed[vendors.Page[T]]([]string{""}, err)
		}
		return []vendors.Lookup[vendors.Page[T]]{{Presence: vendors.Found, Item: p}}
	})
	if got[0].Presence != vendors.Found {
		return page, got[0].Err
	}
	return got[0].Item, nil
}

func (r *Reader) acquire(ctx context.Context, vendor string) error {
	select {
	case r.slots[vendor] <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Reader) release(vendor string) { <-r.slots[vendor] }

// why is the error of a call that never started.
func (r *Reader) why(ctx context.Context, vendor string, err error, timedOut *vendors.LookupError) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &vendors.LookupError{Vendor: vendor, Reason: timedOut.Reason + " (waiting for a free slot)", Err: err}
	}
	return &vendors.LookupError{Vendor: vendor, Reason: "cancelled", Err: err}
}

// wrapTimeout keeps the vendor's error for the log under the timeout a
// responder reads.
func wrapTimeout(timedOut *vendors.LookupError, err error) error {
	return &vendors.LookupError{Vendor: timedOut.Vendor, Reason: timedOut.Reason, Err: errors.Join(context.DeadlineExceeded, err)}
}
