package pending

import (
	"container/heap"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/commands"
)

// Memory is the embedded store: one process's memory. A restart forgets
// it, and replicas cannot share it (see the Redis store for both).
//
// A record is kept packed (see stored): a pending confirmation costs about
// 400 bytes beyond its words, and a UUID 17 bytes instead of 36 plus a
// string header, so that a storm of large batch commands fits in memory.
type Memory struct {
	mu      sync.Mutex
	records map[string]*stored
	open    map[string]int // open confirmations per requester ("platform:user")
	nOpen   int
	due     deadlines // expiries of open records, and purges of settled ones
	once    OnceSet   // replay keys, for ReplayChecker (see CheckReplaysIn)
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{records: map[string]*stored{}, open: map[string]int{}}
}

func userKey(platform, user string) string { return platform + ":" + user }

// stored is a Record as Memory keeps it: its strings packed into one
// string (pack), its times without a location, and who settled it only
// once someone has. The token is the map key.
type stored struct {
	packed           string // platform, user ID, name, channel, message, words, approvers
	created, expires instant
	settled          *settlement // nil until the first move
	count            int32
	state            uint8 // a State
}

type settlement struct {
	confirmedBy, settledBy commands.Caller
	at                     time.Time
}

// Put implements Store. It keeps its own compact copy of r: r may share
// memory with the request it came from.
func (m *Memory) Put(_ context.Context, r Record, l Limits) error {
	s := &stored{packed: pack(&r), created: instantOf(r.CreatedAt), expires: instantOf(r.ExpiresAt), count: int32(r.Count), state: uint8(Pending)}
	if r.ConfirmedBy != (commands.Caller{}) || r.SettledBy != (commands.Caller{}) || !r.SettledAt.IsZero() {
		s.settled = &settlement{confirmedBy: r.ConfirmedBy, settledBy: r.SettledBy, at: r.SettledAt}
	}
	key := userKey(r.Requester.Platform, r.Requester.UserID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if l.PerUser > 0 && m.open[key] >= l.PerUser {
		return &TooManyError{User: true, Limit: l.PerUser, Open: m.open[key]}
	}
	if l.Total > 0 && m.nOpen >= l.Total {
		return &TooManyError{Limit: l.Total, Open: m.nOpen}
	}
	token := strings.Clone(r.Token)
	m.records[token] = s
	m.open[key]++
	m.nOpen++
	heap.Push(&m.due, deadline{at: s.expires, token: token})
	return nil
}

// record is s as a Record the caller may keep.
func (s *stored) record(token string) Record {
	r := unpack(s.packed)
	r.Token, r.Count, r.State = token, int(s.count), State(s.state)
	r.CreatedAt, r.ExpiresAt = s.created.time(), s.expires.time()
	if s.settled != nil {
		r.ConfirmedBy, r.SettledBy, r.SettledAt = s.settled.confirmedBy, s.settled.settledBy, s.settled.at
	}
	return r
}

// set stores the state and the settlement of moved, a move of r (which s
// holds), and its approvers if the move named them (a Confirm may).
func (s *stored) set(r, moved Record) {
	if !slices.Equal(r.Approvers, moved.Approvers) {
		s.packed = pack(&moved)
	}
	s.state = uint8(moved.State)
	if moved.ConfirmedBy != (commands.Caller{}) || moved.SettledBy != (commands.Caller{}) || !moved.SettledAt.IsZero() {
		s.settled = &settlement{confirmedBy: moved.ConfirmedBy, settledBy: moved.SettledBy, at: moved.SettledAt}
	} else {
		s.settled = nil
	}
}

// Settle implements Store.
func (m *Memory) Settle(_ context.Context, token string, mv Move) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.records[token]
	if !ok {
		return Record{}, ErrUnknownToken
	}
	r := s.record(token)
	moved, _, err := Check(r, mv)
	if moved.State != r.State {
		m.closed(token, r, moved)
	}
	s.set(r, moved)
	return moved, err
}

// closed does the bookkeeping when r leaves an open state.
func (m *Memory) closed(token string, r, moved Record) {
	if !moved.State.Open() && r.State.Open() {
		key := userKey(r.Requester.Platform, r.Requester.UserID)
		if m.open[key]--; m.open[key] <= 0 {
			delete(m.open, key)
		}
		m.nOpen--
		heap.Push(&m.due, deadline{at: instantOf(r.ExpiresAt.Add(Retention)), token: token, purge: true})
	}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, token string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.records[token]
	if !ok {
		return Record{}, ErrUnknownToken
	}
	return s.record(token), nil
}

// Expire implements Store. It also forgets settled records whose retention
// has passed.
func (m *Memory) Expire(_ context.Context, now time.Time, max int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	at := instantOf(now)
	for len(m.due) > 0 && !m.due[0].at.after(at) && len(out) < max {
		d := heap.Pop(&m.due).(deadline)
		s, ok := m.records[d.token]
		switch {
		case !ok:
		case d.purge:
			delete(m.records, d.token)
		case State(s.state).Open():
			r := s.record(d.token)
			moved := r
			moved.State, moved.SettledAt = Expired, r.ExpiresAt
			m.closed(d.token, r, moved)
			s.set(r, moved)
			out = append(out, moved)
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

// instant is a time.Time without its location or monotonic reading: 16
// bytes instead of 24. The zero time stays zero.
type instant struct {
	sec  int64
	nsec int32 // -1: the zero time
}

func instantOf(t time.Time) instant {
	if t.IsZero() {
		return instant{nsec: -1}
	}
	return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())}
}

func (i instant) time() time.Time {
	if i.nsec < 0 {
		return time.Time{}
	}
	return time.Unix(i.sec, int64(i.nsec))
}

func (i instant) unix() (int64, int32) {
	if i.nsec < 0 {
		return time.Time{}.Unix(), 0
	}
	return i.sec, i.nsec
}

func (i instant) after(j instant) bool {
	is, in := i.unix()
	js, jn := j.unix()
	return is > js || is == js && in > jn
}

type deadline struct {
	at    instant
	token string
	purge bool
}

type deadlines []deadline

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[j].at.after(d[i].at) }
func (d deadlines) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }
func (d *deadlines) Push(x any)        { *d = append(*d, x.(deadline)) }
func (d *deadlines) Pop() any {
	old := *d
	x := old[len(old)-1]
	*d = old[:len(old)-1]
	return x
}
