package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
)

var _ pending.ReplayChecker = (*Store)(nil)

// replayArgs is a replay check that rides on another command: the key
// (as SeenOnce names it), this call's nonce and the key's lifetime.
type replayArgs struct {
	key   string
	nonce string
	ttl   time.Duration
}

func newReplayArgs(rp pending.Replay) *replayArgs {
	ttl := rp.TTL
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return &replayArgs{key: rp.Key, nonce: newNonce(), ttl: ttl}
}

// newNonce marks one call's replay write, so that a retry of that write by
// go-redis finds its own value and is not a replay of itself.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// putCheckedScript is putScript after SeenOnce's check, in one script:
//
//	KEYS: putScript's, then the replay key
//	ARGV: putScript's, then this call's nonce and the key's ttl in ms
//
// It returns {4, 0} for a replay, and putScript's answers otherwise.
var putCheckedScript = redis.NewScript(`
local old = redis.call('SET', KEYS[4], ARGV[8], 'NX', 'GET', 'PX', ARGV[9])
if old and old ~= ARGV[8] then return {4, 0} end
` + putBody)

// PutChecked implements pending.ReplayChecker: the replay check, the caps
// and the record are one script, one round trip. In a Cluster the replay
// key is in another slot than the record (replay keys spread over the
// nodes), so there it is SeenOnce and then Put: two.
func (s *Store) PutChecked(ctx context.Context, r pending.Record, l pending.Limits, rp pending.Replay) error {
	if _, cluster := s.c.(*redis.ClusterClient); cluster {
		first, err := s.SeenOnce(ctx, rp.Key, rp.TTL)
		if err != nil {
			return err
		}
		if !first {
			return pending.ErrReplay
		}
		return s.Put(ctx, r, l)
	}
	return s.put(ctx, r, l, newReplayArgs(rp))
}

// GetChecked implements pending.ReplayChecker: the replay check and the
// read share one pipeline, one round trip (in a Cluster, one per node, at
// once). The read is made even for a replay; it changes nothing.
func (s *Store) GetChecked(ctx context.Context, token string, rp pending.Replay) (pending.Record, error) {
	a := newReplayArgs(rp)
	var set *redis.StatusCmd
	var get *redis.StringCmd
	if err := s.do(ctx, func(p redis.Pipeliner) {
		set = p.SetArgs(ctx, s.base+":seen:"+a.key, a.nonce, redis.SetArgs{Mode: "NX", Get: true, TTL: a.ttl})
		get = p.Get(ctx, s.recKey(token))
	}); err != nil { // its deadline passed first: the commands are not to be read
		return pending.Record{}, fmt.Errorf("redis: reading a confirmation: %w", err)
	}
	if err := replayAnswer(set, a.nonce); err != nil {
		return pending.Record{}, err
	}
	b, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return pending.Record{}, pending.ErrUnknownToken
	}
	if err != nil {
		return pending.Record{}, fmt.Errorf("redis: reading a confirmation: %w", err)
	}
	return decode(token, b)
}

// replayAnswer reads a SET NX GET of nonce: nil when this call set the key
// (or a retry of it did), ErrReplay when another did.
func replayAnswer(cmd *redis.StatusCmd, nonce string) error {
	old, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil): // nothing was there: this call set it
		return nil
	case err != nil:
		return fmt.Errorf("redis: remembering a key: %w", err)
	case old != nonce:
		return pending.ErrReplay
	}
	return nil
}
