package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// LookupCache is the lookup reader's cache (vendors/lookup.Cache) on
// Redis, so every replica reuses one answer and one Invalidate drops it
// for all. A Redis error is a miss (the reader then asks the vendor) and
// a failed write is dropped: the cache only ever saves vendor calls.
//
// Each call is one pipeline, one round trip however many keys it holds
// (on a Cluster, one per node holding some of them): a look-up of 50 IDs
// reads the cache in one and writes it in one. Single-key commands, not
// MGET or a DEL of many keys, because in a Cluster the keys spread over
// slots; the cluster client splits the pipeline per node.
type LookupCache struct {
	client redis.UniversalClient
	prefix string
	// opTimeout bounds each call: a slow Redis must not eat the look-ups'
	// 2 seconds.
	opTimeout time.Duration
}

var _ lookup.Cache = (*LookupCache)(nil)

// NewLookupCache returns the cache under prefix in the Redis that client
// reaches, a client made by Open (whose calls their contexts bound). The
// lookup reader's keys are already namespaced; prefix keeps them apart
// from another deployment's in the same Redis.
func NewLookupCache(client redis.UniversalClient, prefix string) *LookupCache {
	return &LookupCache{client: client, prefix: prefix + ":", opTimeout: 300 * time.Millisecond}
}

// GetMany returns the value under each key, in order: nil for a miss, and
// for every key when Redis fails or does not answer within the bound.
func (c *LookupCache) GetMany(ctx context.Context, keys []string) [][]byte {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out
	}
	cmds := make([]*redis.StringCmd, len(keys))
	c.pipelined(ctx, c.opTimeout, func(ctx context.Context, p redis.Pipeliner) {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, c.prefix+k)
		}
	})
	for i, cmd := range cmds {
		if b, err := cmd.Bytes(); err == nil { // a miss, a failure and a timeout alike leave nil
			out[i] = b
		}
	}
	return out
}

// SetMany stores every entry for ttl; a failed write is dropped. It is
// not cut short by the caller's cancellation, only by its bound.
func (c *LookupCache) SetMany(ctx context.Context, entries []lookup.Entry, ttl time.Duration) {
	if len(entries) == 0 {
		return
	}
	c.pipelined(context.WithoutCancel(ctx), c.opTimeout, func(ctx context.Context, p redis.Pipeliner) {
		for _, e := range entries {
			p.Set(ctx, c.prefix+e.Key, e.Value, ttl)
		}
	})
}

// Delete removes keys, a DEL each: in a Cluster they may live on
// different slots, where one DEL of several keys is refused.
func (c *LookupCache) Delete(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	c.pipelined(context.WithoutCancel(ctx), 2*c.opTimeout, func(ctx context.Context, p redis.Pipeliner) {
		for _, k := range keys {
			p.Del(ctx, c.prefix+k)
		}
	})
}

// pipelined sends the commands add queues in one pipeline, bounded by
// timeout: the client bounds its socket reads and writes by the context's
// deadline (Open sets ContextTimeoutEnabled), so a Redis that does not
// answer costs at most timeout, and each command then carries the error.
func (c *LookupCache) pipelined(ctx context.Context, timeout time.Duration, add func(context.Context, redis.Pipeliner)) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, _ = c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		add(ctx, p)
		return nil
	})
}
