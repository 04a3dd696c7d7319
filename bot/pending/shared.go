package pending

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// OnceSet remembers keys for a while: the replay cache of request
// signatures, and create de-duplication keys. It is shared by every
// replica when the store is shared.
type OnceSet interface {
	// SeenOnce records key for ttl. first is true for exactly one caller
	// while the key is remembered, whichever process asks.
	SeenOnce(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
}

// Leases hands out named leases that lapse unless renewed: one gateway
// holder among replicas, or the record that an action is running.
type Leases interface {
	// Lease takes the lease name for holder for ttl, or renews it if holder
	// already has it. held is false when another holder has it.
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (held bool, err error)
	// Release gives the lease up if holder has it, and does nothing if not.
	Release(ctx context.Context, name, holder string) error
}

// MemoryShared is the in-memory OnceSet and Leases of a single process.
type MemoryShared struct {
	mu  sync.Mutex
	now func() time.Time
	// seen maps the SHA-256 of each key to when it is forgotten: a replay
	// cache holds one entry per request for ten minutes, and a digest
	// and an instant take 48 bytes where the key (its header and its
	// bytes) and a time.Time took about 120.
	seen   map[[sha256.Size]byte]instant
	sweep  int // forget lapsed keys when seen grows past this
	leases map[string]lease
}

type lease struct {
	holder string
	until  time.Time
}

var (
	_ OnceSet = (*MemoryShared)(nil)
	_ Leases  = (*MemoryShared)(nil)
)

// NewMemoryShared returns an empty in-memory OnceSet and Leases; now is the
// clock (nil means time.Now).
func NewMemoryShared(now func() time.Time) *MemoryShared {
	if now == nil {
		now = time.Now
	}
	return &MemoryShared{now: now, seen: map[[sha256.Size]byte]instant{}, leases: map[string]lease{}}
}

// SeenOnce implements OnceSet.
func (m *MemoryShared) SeenOnce(_ context.Context, key string, ttl time.Duration) (bool, error) {
	digest := sha256.Sum256([]byte(key))
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.now()
	now := instantOf(t)
	if len(m.seen) >= m.sweep { // forget lapsed keys now and then
		for k, until := range m.seen {
			if !until.after(now) {
				delete(m.seen, k)
			}
		}
		m.sweep = max(1024, 2*len(m.seen))
	}
	if until, ok := m.seen[digest]; ok && until.after(now) {
		return false, nil
	}
	m.seen[digest] = instantOf(t.Add(ttl))
	return true, nil
}

// Lease implements Leases.
func (m *MemoryShared) Lease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.leases[name]; ok && l.holder != holder && now.Before(l.until) {
		return false, nil
	}
	m.leases[name] = lease{holder: holder, until: now.Add(ttl)}
	return true, nil
}

// Release implements Leases.
func (m *MemoryShared) Release(_ context.Context, name, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.holder == holder {
		delete(m.leases, name)
	}
	return nil
}
