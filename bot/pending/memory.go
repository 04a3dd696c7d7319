package pending

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Memory is the embedded store: one process's memory. A restart forgets
// it, and replicas cannot share it (see the Redis store for both).
type Memory struct {
	mu      sync.Mutex
	records map[string]*Record
	open    map[string]int // open confirmations per requester ("platform:user")
	nOpen   int
	due     deadlines // expiries of open records, and purges of settled ones
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{records: map[string]*Record{}, open: map[string]int{}}
}

func userKey(r *Record) string { return r.Requester.Platform + ":" + r.Requester.UserID }

// Put implements Store.
func (m *Memory) Put(_ context.Context, r Record, l Limits) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := userKey(&r)
	if l.PerUser > 0 && m.open[key] >= l.PerUser {
		return &TooManyError{User: true, Limit: l.PerUser, Open: m.open[key]}
	}
	if l.Total > 0 && m.nOpen >= l.Total {
		return &TooManyError{Limit: l.Total, Open: m.nOpen}
	}
	r.State = Pending
	m.records[r.Token] = &r
	m.open[key]++
	m.nOpen++
	heap.Push(&m.due, deadline{at: r.ExpiresAt, token: r.Token})
	return nil
}

// Settle implements Store.
func (m *Memory) Settle(_ context.Context, token string, mv Move) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[token]
	if !ok {
		return Record{}, ErrUnknownToken
	}
	moved, _, err := Check(*r, mv)
	if moved.State != r.State {
		m.closed(r, moved)
	}
	*r = moved
	return copyOf(r), err
}

// closed does the bookkeeping when r leaves an open state.
func (m *Memory) closed(r *Record, moved Record) {
	if !moved.State.Open() && r.State.Open() {
		key := userKey(r)
		if m.open[key]--; m.open[key] <= 0 {
			delete(m.open, key)
		}
		m.nOpen--
		heap.Push(&m.due, deadline{at: r.ExpiresAt.Add(Retention), token: r.Token, purge: true})
	}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, token string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[token]
	if !ok {
		return Record{}, ErrUnknownToken
	}
	return copyOf(r), nil
}

// Expire implements Store. It also forgets settled records whose retention
// has passed.
func (m *Memory) Expire(_ context.Context, now time.Time, max int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for len(m.due) > 0 && !m.due[0].at.After(now) && len(out) < max {
		d := heap.Pop(&m.due).(deadline)
		r, ok := m.records[d.token]
		switch {
		case !ok:
		case d.purge:
			delete(m.records, d.token)
		case r.State.Open():
			moved := *r
			moved.State, moved.SettledAt = Expired, r.ExpiresAt
			m.closed(r, moved)
			*r = moved
			out = append(out, copyOf(r))
		}
	}
	return out, nil
}

// Stats implements Store.
func (m *Memory) Stats(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nOpen, nil
}

// copyOf returns r with slices the caller may keep.
func copyOf(r *Record) Record {
	c := *r
	c.Words = append([]string(nil), r.Words...)
	c.Approvers = append([]string(nil), r.Approvers...)
	c.Roles = append([]string(nil), r.Roles...)
	return c
}

type deadline struct {
	at    time.Time
	token string
	purge bool
}

type deadlines []deadline

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].at.Before(d[j].at) }
func (d deadlines) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }
func (d *deadlines) Push(x any)        { *d = append(*d, x.(deadline)) }
func (d *deadlines) Pop() any {
	old := *d
	x := old[len(old)-1]
	*d = old[:len(old)-1]
	return x
}
