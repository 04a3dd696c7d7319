package lookup

import (
	"context"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// Cache keeps encoded look-up answers for a short time. It is small on
// purpose, so a shared store (Redis, for replicas) can stand behind it: a
// miss and a store error are the same to the reader, which then asks the
// vendor. It reads and writes many keys per call, so a look-up of 50 IDs
// costs a shared store one round trip to read and one to write, not 50
// of each.
type Cache interface {
	// GetMany returns the value under each key, in the order of keys:
	// nil for a miss, an expired entry or a store error.
	GetMany(ctx context.Context, keys []string) [][]byte
	// SetMany stores every entry for ttl. A failed write is dropped: the
	// cache only ever saves vendor calls.
	SetMany(ctx context.Context, entries []Entry, ttl time.Duration)
	// Delete removes keys.
	Delete(ctx context.Context, keys ...string)
}

// Entry is one value to store under Key.
type Entry struct {
	Key   string
	Value []byte
}

// Memory is a Cache in this process, on github.com/patrickmn/go-cache
// (expiry per entry, a janitor sweeping expired ones).
type Memory struct {
	c *gocache.Cache
}

// NewMemory returns an empty in-process cache whose expired entries are
// swept every sweep (a minute when 0).
func NewMemory(sweep time.Duration) *Memory {
	if sweep <= 0 {
		sweep = time.Minute
	}
	return &Memory{c: gocache.New(gocache.NoExpiration, sweep)}
}

// GetMany returns the value stored under each key (nil: missing or
// expired).
func (m *Memory) GetMany(_ context.Context, keys []string) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := m.c.Get(k); ok {
			out[i], _ = v.([]byte)
		}
	}
	return out
}

// SetMany stores each entry for ttl.
func (m *Memory) SetMany(_ context.Context, entries []Entry, ttl time.Duration) {
	for _, e := range entries {
		m.c.Set(e.Key, e.Value, ttl)
	}
}

// Delete removes keys.
func (m *Memory) Delete(_ context.Context, keys ...string) {
	for _, k := range keys {
		m.c.Delete(k)
	}
}

// Len is how many entries are held (expired ones not yet swept included).
func (m *Memory) Len() int { return m.c.ItemCount() }
