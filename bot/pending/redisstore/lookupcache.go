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
// reaches. The lookup reader's keys are already namespaced; prefix keeps
// them apart from another deployment's in the same Redis.
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
	if !c.pipelined(ctx, c.opTimeout, func(ctx context.Context, p redis.Pipeliner) {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, c.prefix+k)
		}
	}) {
		return out
	}
	for i, cmd := range cmds {
		if b, err := cmd.Bytes(); err == nil {
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

// pipelined sends the commands add queues in one pipeline and reports
// whether they ran within timeout. The client bounds its socket reads by
// its own read timeout (500 ms by default, retried), not by a context's
// deadline, so the pipeline runs on its own goroutine and the caller
// stops waiting at timeout; a pipeline still running then ends by the
// client's timeouts, its replies unread.
func (c *LookupCache) pipelined(ctx context.Context, timeout time.Duration, add func(context.Context, redis.Pipeliner)) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			add(ctx, p)
			return nil
		})
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
