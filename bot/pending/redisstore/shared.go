package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// These keys need no common slot, so they carry the plain prefix and
// spread over a Cluster:
//
//	prefix:seen:<key>    SeenOnce
//	prefix:lease:<name>  Lease, Release

// SeenOnce implements pending.OnceSet. The key's value is a nonce of this
// call, set with SET NX GET PX (Redis 7): the first caller while the key
// lives sets it. When go-redis retries the write (a read timed out after
// Redis had already set the key), the retry finds its own nonce and the
// caller is still first, rather than a replay of itself. Concurrent calls
// share a pipeline (see batch); one command, so no script to load.
func (s *Store) SeenOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	nonce := newNonce()
	var cmd *redis.StatusCmd
	err := s.do(ctx, func(p redis.Pipeliner) {
		cmd = p.SetArgs(ctx, s.base+":seen:"+key, nonce, redis.SetArgs{Mode: "NX", Get: true, TTL: ttl})
	})
	if err != nil {
		return false, fmt.Errorf("redis: remembering a key: %w", err)
	}
	err = replayAnswer(cmd, nonce)
	if errors.Is(err, pending.ErrReplay) {
		return false, nil
	}
	return err == nil, err
}

// leaseScript takes or renews a lease: KEYS[1] the lease, ARGV holder and
// ttl in ms. It returns 1 when holder has the lease afterwards.
var leaseScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes a lease only if ARGV[1] holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Lease implements pending.Leases: SET NX PX when free, PEXPIRE when the
// same holder renews, in one script so that a lease lapsing in between
// cannot be renewed by its old holder over a new one.
func (s *Store) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ms := ttl.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	n, err := leaseScript.Run(ctx, s.c, []string{s.base + ":lease:" + name}, holder, ms).Int64()
	if err != nil {
		return false, fmt.Errorf("redis: taking lease %q: %w", name, err)
	}
	return n == 1, nil
}

// Release implements pending.Leases.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if err := releaseScript.Run(ctx, s.c, []string{s.base + ":lease:" + name}, holder).Err(); err != nil {
		return fmt.Errorf("redis: releasing lease %q: %w", name, err)
	}
	return nil
}
