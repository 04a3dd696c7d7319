package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// Keys of Values and Runs:
//
//	prefix:val:<key>      Values
//	{prefix}:run:<token>  a running action's record (JSON)
//	{prefix}:runs         running tokens, scored by lease (Unix ms)

var (
	_ pending.Values = (*Store)(nil)
	_ pending.Runs   = (*Store)(nil)
)

func (s *Store) valKey(key string) string   { return s.base + ":val:" + key }
func (s *Store) runKey(token string) string { return s.tag + ":run:" + token }
func (s *Store) runsKey() string            { return s.tag + ":runs" }

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

// runTTL keeps a run's record a day past its lease at most: long enough for
// any process to claim it, and gone by itself if none does.
const runTTL = 24 * time.Hour

// Start implements pending.Runs.
func (s *Store) Start(ctx context.Context, r pending.Record, lease time.Time) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis: encoding a run: %w", err)
	}
	_, err = s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.runKey(r.Token), raw, runTTL)
		p.ZAdd(ctx, s.runsKey(), redis.Z{Score: float64(lease.UnixMilli()), Member: r.Token})
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: recording a run: %w", err)
	}
	return nil
}

// Renew implements pending.Runs: ZADD XX moves only a lease still there.
func (s *Store) Renew(ctx context.Context, token string, lease time.Time) (bool, error) {
	n, err := s.c.ZAddArgs(ctx, s.runsKey(), redis.ZAddArgs{XX: true, Ch: true, Members: []redis.Z{{Score: float64(lease.UnixMilli()), Member: token}}}).Result()
	if err != nil {
		return false, fmt.Errorf("redis: renewing a run: %w", err)
	}
	if n == 1 {
		return true, nil
	}
	// Unchanged score or gone: tell them apart.
	_, err = s.c.ZScore(ctx, s.runsKey(), token).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

// Finish implements pending.Runs.
func (s *Store) Finish(ctx context.Context, token string) error {
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.runsKey(), token)
		p.Del(ctx, s.runKey(token))
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: finishing a run: %w", err)
	}
	return nil
}

// Orphans implements pending.Runs. ZREM is the claim: of any number of
// processes seeing the same lapsed lease, one removes it and reports it.
func (s *Store) Orphans(ctx context.Context, now time.Time, max int) ([]pending.Record, error) {
	tokens, err := s.c.ZRangeByScore(ctx, s.runsKey(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(max)}).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: looking for orphaned runs: %w", err)
	}
	var out []pending.Record
	for _, token := range tokens {
		raw, err := claimRunScript.Run(ctx, s.c, []string{s.runsKey(), s.runKey(token)}, token).Text()
		switch {
		case errors.Is(err, redis.Nil):
			continue // another process claimed it, or its record is gone
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

// claimRunScript removes ARGV[1] from the running set (KEYS[1]) and, if
// this call removed it, returns and deletes its record (KEYS[2]): claim and
// read in one step, so a crash between them cannot lose the report.
var claimRunScript = redis.NewScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  return redis.call('GETDEL', KEYS[2])
end
return false
`)
