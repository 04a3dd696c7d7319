package lookup

import (
	"context"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// Cache keeps encoded look-up answers for a short time. It is small on
// purpose, so a shared store (Redis, for replicas) can stand behind it: a
// miss and a store error are the same to the reader, which then asks the
// vendor.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration)
	Delete(ctx context.Context, keys ...string)
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

// Get returns the value stored under key, unless it has expired.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool) {
	v, ok := m.c.Get(key)
	if !ok {
		return nil, false
	}
	b, ok := v.([]byte)
	return b, ok
}

// Set stores value under key for ttl.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) {
	m.c.Set(key, value, ttl)
}

// Delete removes keys.
func (m *Memory) Delete(_ context.Context, keys ...string) {
	for _, k := range keys {
		m.c.Delete(k)
	}
}

// Len is how many entries are held (expired ones not yet swept included).
func (m *Memory) Len() int { return m.c.ItemCount() }
