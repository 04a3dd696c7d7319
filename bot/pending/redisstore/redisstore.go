// Package redisstore keeps the confirmation gate's state in Redis, so that
// it survives a restart and several replicas share it.
//
// # Keys
//
// Every key of the pending store carries the hash tag {prefix}, so that in
// Redis Cluster all of them live in one slot and a transaction may touch
// several (a record and the sets that count it):
//
//	{prefix}:r:<token>          the record, JSON; TTL ExpiresAt + pending.Retention
//	{prefix}:due                sorted set token -> ExpiresAt (µs): the open records, for
//	                            Expire, Stats and Limits.Total (those not yet past)
//	{prefix}:u:<platform>:<id>  sorted set token -> ExpiresAt (µs): one requester's open
//	                            records; TTL its latest ExpiresAt + pending.Retention
//
// A token leaves both sets when its record is settled or expired, in the
// same step. Versions before this one also kept {prefix}:open, the same
// entries as {prefix}:due; nothing reads it any more (see Put for a fleet
// mid-upgrade), and an operator may DEL it once no older replica runs.
//
// # Atomicity
//
// Put is one Lua script: it checks the limits, counting only entries whose
// deadline is still ahead, and writes the record and its set entries, so
// concurrent Puts on any number of replicas cannot pass a limit together.
//
// Settle and Expire are optimistic compare-and-sets on the record key:
// read the record, judge the move with pending.Check (the very function
// the memory store uses, so both stores judge alike), and write the moved
// record with its set bookkeeping in one script only if the record is
// still the body that was read. If it changed, the script writes nothing
// and the step is retried from the read; the retry then sees the move that
// won and refuses.
// So of any number of concurrent clicks, on any replicas, exactly one moves
// a confirmation out of Pending. A refusal (already settled, not the
// requester, unknown token) writes nothing. The script only compares
// bodies, so that the rules live in one place, in Go, rather than twice.
//
// Expire finds due tokens in {prefix}:due and claims each with the same
// kind of compare-and-set: the write that moves an open record to Expired
// is the claim, and it also removes the token from the sets. Only one
// write can make that move, so each expiry is returned by exactly one caller across all
// processes; and since the claim and the move are one step, nothing is lost
// if a process dies between them, or if the process that created the
// record is gone.
//
// # Security
//
// A record holds Record.Message, which is a credential (a response URL or
// an interaction token), in plain JSON: give Redis a password, keep it on a
// private network, and use rediss:// where the link is not trusted.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
)

// Store is a pending.Store, pending.OnceSet and pending.Leases on Redis.
// It is safe for concurrent use, by any number of processes sharing one
// Redis.
type Store struct {
	c    redis.UniversalClient
	base string // prefix, for keys that need no common slot
	tag  string // {prefix}, for keys that must share one slot

	// waitReplicas replicas must acknowledge a settle within waitTimeout
	// before it is returned (see WaitForReplicas).
	waitReplicas int
	waitTimeout  time.Duration

	batch batch

	// versionOK is set once Ping has found the server new enough.
	versionOK atomic.Bool
}

var (
	_ pending.Store   = (*Store)(nil)
	_ pending.OnceSet = (*Store)(nil)
	_ pending.Leases  = (*Store)(nil)
)

// maxTries bounds the optimistic retries of one Settle or one expiry. A
// retry happens only when another writer changed the same record in
// between, and the retry then sees a settled record and stops, so in
// practice two tries suffice.
const maxTries = 50

// ErrContention means a transaction lost maxTries races in a row. Nothing
// was changed by this call.
var ErrContention = errors.New("redisstore: too much contention on one confirmation; nothing was changed, try again")

// New returns a store that keeps its keys under prefix (for example
// "incidentbot") in the Redis that client reaches. The client stays the
// caller's to close.
func New(client redis.UniversalClient, prefix string) *Store {
	return &Store{c: client, base: prefix, tag: "{" + prefix + "}"}
}

// WaitForReplicas makes every settle that a caller will act on wait, on
// the connection that wrote it, until n replicas have it (Redis's WAIT),
// for at most timeout; if fewer acknowledge, the settle returns
// pending.ErrNotDurable and the caller must not act on it. So a move that
// is acted on survives a failover to any replica that acknowledged it.
// n = 0 (New's default) waits for none. Call it before the store is used.
func (s *Store) WaitForReplicas(n int, timeout time.Duration) *Store {
	s.waitReplicas, s.waitTimeout = n, timeout
	return s
}

// WaitReplicas is how many replicas must acknowledge a settle (see
// WaitForReplicas).
func (s *Store) WaitReplicas() int { return s.waitReplicas }

func (s *Store) recKey(token string) string { return s.tag + ":r:" + token }
func (s *Store) dueKey() string             { return s.tag + ":due" }
func (s *Store) userKey(c commands.Caller) string {
	return s.tag + ":u:" + c.Platform + ":" + c.UserID
}

// score is a time as a sorted-set score: microseconds since 1970, exact in
// a float64 for the next few centuries.
func score(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// putScript stores a new record unless that passes a limit.
//
//	KEYS: record, user's set, due set
//	ARGV: body, ttl ms, now µs, expires µs, per-user limit, total limit, token
//
// It returns {0, 0} when stored (or already stored with the same body: a
// retried call), {1, n} past the user's limit, {2, n} past the total, and
// {3, 0} when the token is taken by another record.
var putScript = redis.NewScript(putBody)

// putBody is putScript's source, which putCheckedScript runs after its
// replay check. Every redis.call costs Redis a fixed overhead beside its
// own work, so it makes as few as it can: the record is written first
// (SET NX GET, which also answers a retry) and taken back if a limit
// refuses it; the due set is counted by score (ZCOUNT: it keeps entries
// past their deadline until a sweep claims them), the user's small set is
// pruned and counted (cheaper than ZCOUNT over a listpack, and it bounds
// the set); the user set's TTL is only ever raised (PEXPIRE GT, or NX on a
// set just made).
const putBody = `
local cur = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'GET', 'PX', ARGV[2])
if cur then
  if cur == ARGV[1] then return {0, 0} end
  return {3, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local per = tonumber(ARGV[5])
if per > 0 then
  local n = redis.call('ZCARD', KEYS[2])
  if n >= per then
    redis.call('DEL', KEYS[1])
    return {1, n}
  end
end
local total = tonumber(ARGV[6])
if total > 0 then
  local n = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[3], '+inf')
  if n >= total then
    redis.call('DEL', KEYS[1])
    return {2, n}
  end
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[7])
if redis.call('PEXPIRE', KEYS[2], ARGV[2], 'GT') == 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
end
return {0, 0}
`

// Put implements pending.Store. The record lives until ExpiresAt +
// pending.Retention, counted from its CreatedAt (the caller's now), so that
// a settled token still answers late clicks and then disappears by itself.
//
// Only entries whose ExpiresAt is after CreatedAt count against the
// limits: a record past its deadline holds no place, even if no sweep has
// expired it yet (its replica died, or Redis evicted it), so nothing can
// pin a requester's quota for ever. Put also drops such entries from the
// requester's set, which so holds no more than their open records; the
// due set keeps them until Expire claims them.
//
// During a rolling upgrade from a version that also kept {prefix}:open,
// both write the same {prefix}:due and per-user sets, so this version's
// limits and Stats count every replica's records, and the per-user limit
// is exact on both. An older replica still counts Limits.Total and Stats
// from {prefix}:open, which this version neither writes nor clears: until
// the last one is replaced, its total misses the newer replicas' records
// and keeps counting its own, once a newer one settled them, until their
// deadline. (The records' format changed later: see formatPacked.)
func (s *Store) Put(ctx context.Context, r pending.Record, l pending.Limits) error {
	return s.put(ctx, r, l, nil)
}

// put is Put, and with rp PutChecked's one script.
func (s *Store) put(ctx context.Context, r pending.Record, l pending.Limits, rp *replayArgs) error {
	now := r.CreatedAt
	if now.IsZero() {
		now = time.Now()
	}
	ttl := r.ExpiresAt.Sub(now) + pending.Retention
	if ttl < time.Second {
		ttl = time.Second
	}
	r.State = pending.Pending
	body := encode(r)
	keys := []string{s.recKey(r.Token), s.userKey(r.Requester), s.dueKey()}
	args := []any{body, ttl.Milliseconds(), score(now), score(r.ExpiresAt), l.PerUser, l.Total, r.Token}
	script := putScript
	if rp != nil {
		script = putCheckedScript
		keys = append(keys, s.base+":seen:"+rp.key)
		args = append(args, rp.nonce, rp.ttl.Milliseconds())
	}
	var cmd *redis.Cmd
	if err := s.do(ctx, func(p redis.Pipeliner) { cmd = p.EvalSha(ctx, script.Hash(), keys, args...) }); err != nil {
		return fmt.Errorf("redis: storing a confirmation: %w", err)
	}
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") { // a new or restarted primary: load it
		cmd = script.Run(ctx, s.c, keys, args...)
	}
	res, err := cmd.Int64Slice()
	if err != nil {
		return fmt.Errorf("redis: storing a confirmation: %w", err)
	}
	switch res[0] {
	case 0:
		return nil
	case 1:
		return &pending.TooManyError{User: true, Limit: l.PerUser, Open: int(res[1])}
	case 2:
		return &pending.TooManyError{Limit: l.Total, Open: int(res[1])}
	case 4:
		return pending.ErrReplay
	default:
		return fmt.Errorf("redisstore: token %q is already in use by another confirmation", r.Token)
	}
}

// Get implements pending.Store.
func (s *Store) Get(ctx context.Context, token string) (pending.Record, error) {
	b, err := s.c.Get(ctx, s.recKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		return pending.Record{}, pending.ErrUnknownToken
	}
	if err != nil {
		return pending.Record{}, fmt.Errorf("redis: reading a confirmation: %w", err)
	}
	return decode(token, b)
}

// Expire implements pending.Store. Concurrent callers read the same due
// tokens; each shuffles them so that they mostly claim different ones, and
// a lost race costs one read.
func (s *Store) Expire(ctx context.Context, now time.Time, max int) ([]pending.Record, error) {
	if max <= 0 {
		return nil, nil
	}
	due, err := s.c.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.dueKey(), ByScore: true, Start: "-inf", Stop: score(now), Count: int64(2 * max),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: reading deadlines: %w", err)
	}
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	var out []pending.Record
	for _, token := range due {
		if len(out) == max {
			break
		}
		r, ok, err := s.expireOne(ctx, token, now)
		if err != nil {
			return out, err // those in out are expired: the caller must still report them
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Stats implements pending.Store: the confirmations not yet settled or
// expired, as the memory store counts them. One past its deadline counts
// until a sweep expires it (Stats has no clock to judge it by: each
// replica's may differ), though it no longer holds a place (see Put).
func (s *Store) Stats(ctx context.Context) (int, error) {
	n, err := s.c.ZCard(ctx, s.dueKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: counting confirmations: %w", err)
	}
	return int(n), nil
}
