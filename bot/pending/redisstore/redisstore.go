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
//	{prefix}:due                sorted set token -> ExpiresAt (µs): open records to expire
//	{prefix}:open               sorted set token -> ExpiresAt (µs): open records, for Limits.Total and Stats
//	{prefix}:u:<platform>:<id>  sorted set token -> ExpiresAt (µs): one requester's open records
//
// # Atomicity
//
// Put is one Lua script: it prunes past deadlines from the open sets,
// checks the limits with ZCARD and writes the record and its set entries,
// so concurrent Puts on any number of replicas cannot pass a limit together.
//
// Settle and Expire are WATCH/MULTI optimistic transactions on the record
// key: read the record, judge the move with pending.Check (the very function
// the memory store uses, so both stores judge alike), and write the moved
// record with its set bookkeeping in one MULTI/EXEC only if the record has
// not changed since it was read. If it changed, EXEC fails and the step is
// retried from the read; the retry then sees the move that won and refuses.
// So of any number of concurrent clicks, on any replicas, exactly one moves
// a confirmation out of Pending. A refusal (already settled, not the
// requester, unknown token) writes nothing. We chose WATCH over Lua here so
// that the rules live in one place, in Go, rather than twice.
//
// Expire finds due tokens in {prefix}:due and claims each with the same
// kind of transaction: the EXEC that moves an open record to Expired is the
// claim, and it also removes the token from the sets. Only one EXEC can make
// that move, so each expiry is returned by exactly one caller across all
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
func (s *Store) openKey() string            { return s.tag + ":open" }
func (s *Store) userKey(c commands.Caller) string {
	return s.tag + ":u:" + c.Platform + ":" + c.UserID
}

// score is a time as a sorted-set score: microseconds since 1970, exact in
// a float64 for the next few centuries.
func score(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// putScript stores a new record unless that passes a limit.
//
//	KEYS: record, user's open set, open set, due set
//	ARGV: body, ttl ms, now µs, expires µs, per-user limit, total limit, token
//
// It returns {0, 0} when stored (or already stored with the same body: a
// retried call), {1, n} past the user's limit, {2, n} past the total, and
// {3, 0} when the token is taken by another record.
var putScript = redis.NewScript(putBody)

// putBody is putScript's source, which putCheckedScript runs after its
// replay check.
const putBody = `
local cur = redis.call('GET', KEYS[1])
if cur then
  if cur == ARGV[1] then return {0, 0} end
  return {3, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
local per = tonumber(ARGV[5])
if per > 0 then
  local n = redis.call('ZCARD', KEYS[2])
  if n >= per then return {1, n} end
end
local total = tonumber(ARGV[6])
if total > 0 then
  local n = redis.call('ZCARD', KEYS[3])
  if n >= total then return {2, n} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[7])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return {0, 0}
`

// Put implements pending.Store. The record lives until ExpiresAt +
// pending.Retention, counted from its CreatedAt (the caller's now), so that
// a settled token still answers late clicks and then disappears by itself.
//
// Before counting against the limits, Put drops open-set entries whose
// ExpiresAt is not after CreatedAt: a record past its deadline holds no
// place, even if no sweep has expired it yet (its replica died, or Redis
// evicted it), so nothing can pin a requester's quota for ever.
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
	body, err := encode(r)
	if err != nil {
		return err
	}
	keys := []string{s.recKey(r.Token), s.userKey(r.Requester), s.openKey(), s.dueKey()}
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
	b, err := s.c.Get(ctx, s.recKey(token)).Bytes()
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
// expired (an entry past its deadline is dropped by the next Put).
func (s *Store) Stats(ctx context.Context) (int, error) {
	n, err := s.c.ZCard(ctx, s.openKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: counting confirmations: %w", err)
	}
	return int(n), nil
}
