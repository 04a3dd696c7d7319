package pending

import (
	"context"
	"sync"
	"time"
)

// Values keeps short strings for a while, shared by every replica when the
// store is: create de-duplication (the ticket a first submission made),
// and a chat form's known values while it is open.
type Values interface {
	// Claim stores an empty value under key for ttl if nothing is there
	// and reports first; otherwise it returns what is there.
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, value string, err error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Take returns the value under key and removes it: once.
	Take(ctx context.Context, key string) (value string, ok bool, err error)
}

// Runs records the actions that are running, each under a lease its
// process renews. An action whose process died stops being renewed, and
// Orphans hands it, once, to whichever process looks: that one tells the
// requester its outcome is unknown. Leases are durations, judged by the
// store's own clock (Redis's, in Redis), so clocks that disagree between
// replicas cannot make a live action look dead.
type Runs interface {
	// Start records r as running, under a lease of the given length.
	Start(ctx context.Context, r Record, lease time.Duration) error
	// Renew starts the lease again; false when the action is no longer
	// recorded (finished, or claimed as an orphan).
	Renew(ctx context.Context, token string, lease time.Duration) (bool, error)
	// Finish forgets a running action.
	Finish(ctx context.Context, token string) error
	// Orphans claims up to max running actions whose lease has lapsed.
	// Each is returned by exactly one call, whichever process makes it.
	Orphans(ctx context.Context, max int) ([]Record, error)
}

// MemoryRuns is the in-memory Values and Runs of a single process.
type MemoryRuns struct {
	mu     sync.Mutex
	now    func() time.Time
	values map[string]memValue
	runs   map[string]memRun
}

type memValue struct {
	value string
	until time.Time
}

type memRun struct {
	rec   Record
	lease time.Time
}

var (
	_ Values = (*MemoryRuns)(nil)
	_ Runs   = (*MemoryRuns)(nil)
)

// NewMemoryRuns returns empty in-memory Values and Runs; now is the clock
// for the values' lifetimes (nil means time.Now).
func NewMemoryRuns(now func() time.Time) *MemoryRuns {
	if now == nil {
		now = time.Now
	}
	return &MemoryRuns{now: now, values: map[string]memValue{}, runs: map[string]memRun{}}
}

func (m *MemoryRuns) live(key string) (memValue, bool) {
	v, ok := m.values[key]
	if ok && !m.now().Before(v.until) {
		delete(m.values, key)
		return memValue{}, false
	}
	return v, ok
}

// Claim implements Values.
func (m *MemoryRuns) Claim(_ context.Context, key string, ttl time.Duration) (bool, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.live(key); ok {
		return false, v.value, nil
	}
	m.forgetLapsed()
	m.values[key] = memValue{until: m.now().Add(ttl)}
	return true, "", nil
}

// Set implements Values.
func (m *MemoryRuns) Set(_ context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgetLapsed()
	m.values[key] = memValue{value: value, until: m.now().Add(ttl)}
	return nil
}

// Take implements Values.
func (m *MemoryRuns) Take(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.live(key)
	delete(m.values, key)
	return v.value, ok, nil
}

// forgetLapsed drops lapsed values once the map has grown, so abandoned
// forms and old keys do not pile up.
func (m *MemoryRuns) forgetLapsed() {
	if len(m.values) < 1024 {
		return
	}
	now := m.now()
	for k, v := range m.values {
		if !now.Before(v.until) {
			delete(m.values, k)
		}
	}
}

// Start implements Runs.
func (m *MemoryRuns) Start(_ context.Context, r Record, lease time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[r.Token] = memRun{rec: r, lease: m.now().Add(lease)}
	return nil
}

// Renew implements Runs.
func (m *MemoryRuns) Renew(_ context.Context, token string, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[token]
	if ok {
		r.lease = m.now().Add(lease)
		m.runs[token] = r
	}
	return ok, nil
}

// Finish implements Runs.
func (m *MemoryRuns) Finish(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runs, token)
	return nil
}

// Orphans implements Runs.
func (m *MemoryRuns) Orphans(_ context.Context, max int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []Record
	for token, r := range m.runs {
		if len(out) == max {
			break
		}
		if !r.lease.After(now) {
			delete(m.runs, token)
			out = append(out, r.rec)
		}
	}
	return out, nil
}
