package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// Keys of Values and Runs:
//
//	prefix:val:<key>           Values
//	{prefix}:run:<token>       a running action's record (JSON)
//	{prefix}:runlease:<token>  its lease: a key that lapses unless renewed
//	{prefix}:runs              the running tokens (a set)
//
// A lease is a key with Redis's own expiry, so it is judged by Redis's
// clock and never by a replica's.

var (
	_ pending.Values = (*Store)(nil)
	_ pending.Runs   = (*Store)(nil)
)

func (s *Store) valKey(key string) string   { return s.base + ":val:" + key }
func (s *Store) runKey(token string) string { return s.tag + ":run:" + token }
func (s *Store) runsKey() string            { return s.tag + ":runs" }
func (s *Store) leaseKey(token string) string {
	return s.tag + ":runlease:" + token
}

// claimScript sets KEYS[1] to "" for ARGV[1] ms if it is free and returns
// {1}; otherwise {0, value}.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], '', 'NX', 'PX', ARGV[1]) then
  return {1}
end
return {0, redis.call('GET', KEYS[1])}
`)

// Claim implements pending.Values in one script, so the value read is the
// one that made the claim fail.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, string, error) {
	res, err := claimScript.Run(ctx, s.c, []string{s.valKey(key)}, max(ttl.Milliseconds(), 1)).Slice()
	if err != nil {
		return false, "", fmt.Errorf("redis: claiming a key: %w", err)
	}
	if n, _ := res[0].(int64); n == 1 {
		return true, "", nil
	}
	value, _ := res[1].(string)
	return false, value, nil
}

// Set implements pending.Values.
func (s *Store) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := s.c.Set(ctx, s.valKey(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("redis: storing a value: %w", err)
	}
	return nil
}

// Take implements pending.Values with GETDEL: one taker.
func (s *Store) Take(ctx context.Context, key string) (string, bool, error) {
	v, err := s.c.GetDel(ctx, s.valKey(key)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("redis: taking a value: %w", err)
	}
	return v, true, nil
}

// runTTL keeps a run's record a day at most: long enough for any process
// to claim it, and gone by itself if none does.
const runTTL = 24 * time.Hour

func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

// Start implements pending.Runs.
func (s *Store) Start(ctx context.Context, r pending.Record, lease time.Duration) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis: encoding a run: %w", err)
	}
	_, err = s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.runKey(r.Token), raw, runTTL)
		p.Set(ctx, s.leaseKey(r.Token), "1", time.Duration(ms(lease))*time.Millisecond)
		p.SAdd(ctx, s.runsKey(), r.Token)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: recording a run: %w", err)
	}
	return nil
}

// renewScript restarts a run's lease (KEYS[2]) for ARGV[2] ms if the run is
// still in the set (KEYS[1]); 0 when it is not.
var renewScript = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1
`)

// Renew implements pending.Runs.
func (s *Store) Renew(ctx context.Context, token string, lease time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, s.c, []string{s.runsKey(), s.leaseKey(token)}, token, ms(lease)).Int64()
	if err != nil {
		return false, fmt.Errorf("redis: renewing a run: %w", err)
	}
	return n == 1, nil
}

// Finish implements pending.Runs.
func (s *Store) Finish(ctx context.Context, token string) error {
	// Like a settle, the forgetting must survive a failover: a run record
	// lost with the old primary would come back on the new one and be
	// reported as an orphan ("outcome unknown") after its result was shown.
	node := redis.Cmdable(s.c)
	if cc, ok := s.c.(*redis.ClusterClient); ok && s.waitReplicas > 0 {
		c, err := cc.MasterForKey(ctx, s.runKey(token))
		if err != nil {
			return fmt.Errorf("redis: finishing a run: %w", err)
		}
		node = c
	}
	var w *redis.Cmd
	_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, s.runsKey(), token) // out of the set first: a claim then finds nothing
		p.Del(ctx, s.runKey(token), s.leaseKey(token))
		if s.waitReplicas > 0 {
			w = p.Do(ctx, "wait", s.waitReplicas, s.waitTimeout.Milliseconds())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: finishing a run: %w", err)
	}
	if w != nil {
		if acked, _ := w.Int64(); acked < int64(s.waitReplicas) {
			return fmt.Errorf("redis: finishing a run: %w (%d of %d replicas acknowledged within %s)", pending.ErrNotDurable, acked, s.waitReplicas, s.waitTimeout)
		}
	}
	return nil
}

// claimRunScript claims ARGV[1] if its lease (KEYS[3]) has lapsed: it
// leaves the running set (KEYS[1]) and its record (KEYS[2]) is returned and
// deleted, in one step, so two processes never both claim it and a crash
// between claim and read loses nothing.
var claimRunScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then
  return false
end
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then
  return redis.call('GETDEL', KEYS[2])
end
return false
`)

// Orphans implements pending.Runs.
func (s *Store) Orphans(ctx context.Context, max int) ([]pending.Record, error) {
	tokens, err := s.c.SMembers(ctx, s.runsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: looking for orphaned runs: %w", err)
	}
	var out []pending.Record
	for _, token := range tokens {
		if len(out) == max {
			break
		}
		raw, err := claimRunScript.Run(ctx, s.c, []string{s.runsKey(), s.runKey(token), s.leaseKey(token)}, token).Text()
		switch {
		case errors.Is(err, redis.Nil):
			continue // alive, claimed by another process, or its record is gone
		case err != nil:
			return out, fmt.Errorf("redis: claiming an orphaned run: %w", err)
		}
		var r pending.Record
		if json.Unmarshal([]byte(raw), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
