package picker

import (
	"context"
	"strings"
	"sync"
	"time"

	gocache "github.com/patrickmn/go-cache"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// lists reads the vendors' lists, one read per list at a time, and keeps
// the last good answer of each to answer from when the vendor is slow.
type lists struct {
	reader Reader
	last   *gocache.Cache // kind/scope -> []Item

	mu       sync.Mutex
	inflight map[string]*fetch
}

// fetch is one list read under way; done closes when items or err is set.
type fetch struct {
	done  chan struct{}
	items []Item
	err   error
}

// fetchTimeout bounds one read in the background, whoever still waits for
// it (the lookup reader's own deadline is usually shorter).
const fetchTimeout = 10 * time.Second

// fresh is how long a list just read answers without another read: a
// responder typing asks on every keystroke, and the vendor's list API is
// rate-limited with the credentials its deletes use.
const fresh = 5 * time.Second

// cached is a good list and when it was read.
type cached struct {
	items []Item
	at    time.Time
}

// pageSize is how many objects a list asks for: the most a vendor page holds.
const pageSize = vendors.MaxListLimit

func newLists(r Reader, keep time.Duration) *lists {
	return &lists{reader: r, last: gocache.New(keep, keep), inflight: map[string]*fetch{}}
}

// get returns the list of kind (within scope): the one read in the last
// few seconds (fresh), else waiting at most wait for a new read; after
// that, the last good list, or nil. A read that outlasts wait goes on in
// the background and serves the next question.
func (l *lists) get(ctx context.Context, kind commands.IDKind, scope string, wait time.Duration) []Item {
	if l == nil || l.reader == nil {
		return nil
	}
	key := string(kind) + "/" + scope
	if c, ok := l.last.Get(key); ok && time.Since(c.(cached).at) < fresh {
		return c.(cached).items
	}
	f := l.start(key, kind, scope)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-f.done:
		if f.err == nil {
			return f.items
		}
	case <-timer.C:
	case <-ctx.Done():
	}
	if c, ok := l.last.Get(key); ok {
		return c.(cached).items
	}
	return nil
}

// start joins the read of key under way, or starts one.
func (l *lists) start(key string, kind commands.IDKind, scope string) *fetch {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.inflight[key]; ok {
		return f
	}
	f := &fetch{done: make(chan struct{})}
	l.inflight[key] = f
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		f.items, f.err = l.read(ctx, kind, scope)
		if f.err == nil {
			l.last.SetDefault(key, cached{items: f.items, at: time.Now()})
		}
		l.mu.Lock()
		delete(l.inflight, key)
		l.mu.Unlock()
		close(f.done)
	}()
	return f
}

// read asks the vendor for one page of the list: every status, newest
// first (a stale incident is as likely a target as a fresh one).
func (l *lists) read(ctx context.Context, kind commands.IDKind, scope string) ([]Item, error) {
	q := vendors.ListQuery{All: true, Limit: pageSize}
	var out []Item
	switch kind {
	case commands.SecMasterIncident:
		p, err := l.reader.ListSecMaster(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, in := range p.Items {
			out = append(out, Item{ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status})
		}
	case commands.CoralogixIncident:
		p, err := l.reader.ListCoralogix(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, in := range p.Items {
			out = append(out, Item{ID: in.ID, Title: in.Title, Severity: words(in.Severity, "INCIDENT_SEVERITY_"), Status: words(in.Status, "INCIDENT_STATUS_")})
		}
	case commands.SecMasterAlert:
		p, err := l.reader.ListLinkedAlerts(ctx, scope, q)
		if err != nil {
			return nil, err
		}
		for _, a := range p.Items {
			out = append(out, Item{ID: a.ID, Title: a.Title, Severity: a.Severity, Status: a.Status})
		}
	case commands.COCTicket:
		p, err := l.reader.ListTickets(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, t := range p.Items {
			out = append(out, Item{ID: t.Number, Title: t.Title, Severity: level(t.Level), Status: t.Status})
		}
	}
	return out, nil
}

// words turns an enum value into words: INCIDENT_SEVERITY_CRITICAL -> Critical.
func words(s, prefix string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(s, prefix), "_", " "))
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// level turns COC's level_20 into P2.
func level(s string) string {
	if n, ok := strings.CutPrefix(s, "level_"); ok && len(n) == 2 && n[1] == '0' {
		return "P" + n[:1]
	}
	return s
}
