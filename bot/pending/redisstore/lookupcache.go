package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// LookupCache is the lookup reader's cache (vendors/lookup.Cache) on
// Redis, so every replica reuses one answer and one Invalidate drops it
// for all. A Redis error is a miss (the reader then asks the vendor) and
// a failed write is dropped: the cache only ever saves vendor calls.
type LookupCache struct {
	client redis.UniversalClient
	prefix string
	// opTimeout bounds each Redis call: a slow Redis must not eat the
	// look-ups' 2 seconds.
	opTimeout time.Duration
}

// NewLookupCache returns the cache under prefix in the Redis that client
// reaches. The lookup reader's keys are already namespaced; prefix keeps
// them apart from another deployment's in the same Redis.
func NewLookupCache(client redis.UniversalClient, prefix string) *LookupCache {
	return &LookupCache{client: client, prefix: prefix + ":", opTimeout: 300 * time.Millisecond}
}

// Get returns the value under key, or false on a miss or an error.
func (c *LookupCache) Get(ctx context.Context, key string) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	b, err := c.client.Get(ctx, c.prefix+key).Bytes()
	if err != nil {
		return nil, false
	}
	return b, true
}

// Set stores value under key for ttl.
func (c *LookupCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opTimeout)
	defer cancel()
	_ = c.client.Set(ctx, c.prefix+key, value, ttl).Err()
}

// Delete removes keys, one by one: in a Cluster they may live on
// different slots, where one DEL of several keys is refused.
func (c *LookupCache) Delete(ctx context.Context, keys ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*c.opTimeout)
	defer cancel()
	pipe := c.client.Pipeline()
	for _, k := range keys {
		pipe.Del(ctx, c.prefix+k)
	}
	_, _ = pipe.Exec(ctx)
}
