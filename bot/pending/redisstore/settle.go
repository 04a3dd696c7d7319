package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
)

var _ pending.RunSettler = (*Store)(nil)

// casScript writes a moved record in place of the one that was read, if
// it is still that one, with its set bookkeeping and, for a Confirm, the
// run record: a compare-and-set, so the rules stay in Go (pending.Check)
// and the write is one atomic step.
//
//	KEYS: record, due set, requester's set, run, run lease, running set
//	ARGV: body read, moved body, ttl ms, token, "1" if it leaves the due
//	      and user sets (it is no longer open), run body ("" for none),
//	      lease ms, run ttl ms, "1" when a retried call may find its own
//	      write (a move by a person, whose body carries the instant of the
//	      click; never an expiry, whose body any claimant would compute
//	      alike)
//
// It returns 1 when the moved body is stored, 0 when the record changed or
// is gone.
const casText = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[2] and ARGV[9] == '1' then return 1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('ZREM', KEYS[3], ARGV[4])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[4], ARGV[6], 'PX', ARGV[8])
  redis.call('SET', KEYS[5], '1', 'PX', ARGV[7])
  redis.call('SADD', KEYS[6], ARGV[4])
end
return 1
`

var casScript = redis.NewScript(casText)

// undoScript puts back the record a move replaced, if the move's body is
// still there, with its set entries, and forgets the run the move started.
//
//	KEYS: as casScript
//	ARGV: moved body, body read, ttl ms, token, "1" to put it back in the
//	      due and user sets, its ExpiresAt score
var undoScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[4])
end
redis.call('DEL', KEYS[4], KEYS[5])
redis.call('SREM', KEYS[6], ARGV[4])
return 1
`)

// Settle implements pending.Store (see the package comment).
func (s *Store) Settle(ctx context.Context, token string, m pending.Move) (pending.Record, error) {
	r, _, err := s.settle(ctx, token, m, 0)
	return r, err
}

// SettleRun implements pending.RunSettler: the Confirm and the run record
// are one script, followed on the same connection by the WAIT for
// replicas, so a click costs two round trips (the read, then the write).
func (s *Store) SettleRun(ctx context.Context, token string, m pending.Move, lease time.Duration) (pending.Record, bool, error) {
	return s.settle(ctx, token, m, lease)
}

func (s *Store) settle(ctx context.Context, token string, m pending.Move, lease time.Duration) (pending.Record, bool, error) {
	for try := 0; try < maxTries; try++ {
		var (
			r    pending.Record
			body string
			pttl time.Duration
			err  error
		)
		if try == 0 && m.Seen != nil && m.Seen.Token == token && m.Seen.State.Open() {
			// Judge on what the caller read: if the stored body is no
			// longer its encoding, the write fails and the next try reads.
			r = *m.Seen
			body, pttl = string(encode(r)), time.Until(r.ExpiresAt)+pending.Retention
		} else {
			r, body, pttl, err = s.read(ctx, token)
		}
		if err != nil {
			return pending.Record{}, false, wrap("settling a confirmation", err)
		}
		moved, expired, cerr := pending.Check(r, m)
		if cerr != nil && !expired {
			return moved, false, cerr // a refusal writes nothing
		}
		run := lease > 0 && cerr == nil && moved.State == pending.Confirmed
		ok, err := s.cas(ctx, r, body, moved, pttl, run, lease, cerr == nil)
		switch {
		case err != nil:
			return pending.Record{}, false, wrap("settling a confirmation", err)
		case ok:
			return moved, run, cerr
		}
		if err := pause(ctx, try); err != nil {
			return pending.Record{}, false, err
		}
	}
	return pending.Record{}, false, ErrContention
}

// pause waits a short jittered while before another try after a lost race.
func pause(ctx context.Context, try int) error {
	d := time.Duration(rand.Int64N(int64(time.Duration(min(try+1, 20)) * 100 * time.Microsecond)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// read reads a record, its body as stored and its remaining TTL: one
// round trip.
func (s *Store) read(ctx context.Context, token string) (pending.Record, string, time.Duration, error) {
	key := s.recKey(token)
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		pttl = p.PTTL(ctx, key)
		return nil
	})
	if errors.Is(get.Err(), redis.Nil) {
		return pending.Record{}, "", 0, pending.ErrUnknownToken
	}
	if err != nil {
		return pending.Record{}, "", 0, err
	}
	body := get.Val()
	r, err := decode(token, body)
	return r, body, pttl.Val(), err
}

// cas stores moved in place of r if r is still stored as body, keeping
// the key's TTL (an explicit PX, so that a key lapsing in between does not
// come back for ever). With durable set and replicas to wait for, it then
// waits on the same connection until that many replicas have the write,
// and returns pending.ErrNotDurable if they do not within the timeout.
func (s *Store) cas(ctx context.Context, r pending.Record, body string, moved pending.Record, pttl time.Duration, run bool, lease time.Duration, durable bool) (bool, error) {
	if deadline, has := ctx.Deadline(); has && time.Until(deadline) < minWriteTime {
		return false, fmt.Errorf("too little of the call's time was left to write the move: %w", context.DeadlineExceeded)
	}
	var tag string
	if durable {
		tag = strconv.FormatUint(rand.Uint64(), 36)
	}
	newBody := encodeMove(moved, tag)
	if pttl <= 0 {
		pttl = time.Second
	}
	leaves := "0"
	if r.State.Open() && !moved.State.Open() {
		leaves = "1"
	}
	var runBody []byte
	if run {
		var err error
		if runBody, err = json.Marshal(moved); err != nil {
			return false, fmt.Errorf("redisstore: encoding a run: %w", err)
		}
	}
	keys := []string{s.recKey(r.Token), s.dueKey(), s.userKey(r.Requester),
		s.runKey(r.Token), s.leaseKey(r.Token), s.runsKey()}
	retry := "0"
	if durable {
		retry = "1"
	}
	args := []any{body, newBody, pttl.Milliseconds(), r.Token, leaves, runBody, ms(lease), runTTL.Milliseconds(), retry}
	wait := 0
	if durable {
		wait = s.waitReplicas
	}
	waitFor, ok := s.waitWithin(ctx)
	if wait > 0 && !ok {
		return false, fmt.Errorf("%w (too little of the call's time was left to wait for %d replicas)", pending.ErrNotDurable, wait)
	}
	n, acked, err := s.casThenWait(ctx, keys, args, wait, waitFor)
	if err != nil {
		return false, err
	}
	if n == 1 && wait > 0 && acked < int64(wait) {
		// Nothing will act on the move: take it back while this primary
		// answers, so that a later press can make it (best effort: if
		// the primary is gone, the move is lost with it, or survives on a
		// replica as settled and never acted on).
		reopen := "0"
		if leaves == "1" {
			reopen = "1"
		}
		_ = undoScript.Run(context.WithoutCancel(ctx), s.c, keys, newBody, body, pttl.Milliseconds(), r.Token, reopen, score(r.ExpiresAt)).Err()
		return false, fmt.Errorf("%w (%d of %d replicas acknowledged within %s)", pending.ErrNotDurable, acked, wait, waitFor)
	}
	return n == 1, nil
}

// minWriteTime is the least time a move's write must have left before its
// call's deadline to be sent. The client's reads end at that deadline, so
// a write sent with less could land with its answer cut off: the clicker
// told nothing was done while the move (and a Confirm's run record)
// stands. It only refuses a click whose earlier steps already took nearly
// all of its budget, a store that slow.
const minWriteTime = 50 * time.Millisecond

// waitMargin is what a WAIT's timeout leaves of its call's deadline for
// its answer to come back: Redis ends a blocked WAIT on its timer, up to
// 1000/hz ms (100 ms at the default hz 10) after its timeout.
const waitMargin = 150 * time.Millisecond

// waitWithin is how long a WAIT made under ctx may wait for replicas: the
// store's wait timeout, cut so that WAIT answers before ctx's deadline.
// The client bounds its reads by that deadline (ContextTimeoutEnabled),
// and a WAIT cut off mid-read would leave the move written with its
// caller told the store failed; a WAIT that answers short of replicas
// lets cas take the move back and say so. ok is false when too little is
// left for a WAIT to answer: then nothing must be written.
func (s *Store) waitWithin(ctx context.Context) (d time.Duration, ok bool) {
	d = s.waitTimeout
	if deadline, has := ctx.Deadline(); has {
		d = min(d, time.Until(deadline)-waitMargin)
	}
	return d, d >= time.Millisecond // WAIT 0 would block for ever
}

// casThenWait runs casScript and then, when wait > 0, WAIT up to waitFor
// for that many replicas, pipelined on one connection to the node that
// holds keys (WAIT counts the writes of its own connection). It returns
// the script's integer result and how many replicas acknowledged.
func (s *Store) casThenWait(ctx context.Context, keys []string, args []any, wait int, waitFor time.Duration) (int64, int64, error) {
	node := redis.Cmdable(s.c)
	if cc, ok := s.c.(*redis.ClusterClient); ok && wait > 0 {
		c, err := cc.MasterForKey(ctx, keys[0])
		if err != nil {
			return 0, 0, err
		}
		node = c
	}
	run := func(load bool) (*redis.Cmd, *redis.Cmd, error) {
		var ev *redis.Cmd
		var w *redis.Cmd
		_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			if load {
				ev = p.Eval(ctx, casText, keys, args...)
			} else {
				ev = p.EvalSha(ctx, casScript.Hash(), keys, args...)
			}
			if wait > 0 {
				w = p.Do(ctx, "wait", wait, waitFor.Milliseconds())
			}
			return nil
		})
		return ev, w, err
	}
	ev, w, err := run(false)
	if ev != nil && redis.HasErrorPrefix(ev.Err(), "NOSCRIPT") {
		ev, w, err = run(true) // a new primary after a failover, or a restart: no script cache yet
	}
	if err != nil {
		return 0, 0, err
	}
	n, err := ev.Int64()
	if err != nil {
		return 0, 0, err
	}
	var acked int64
	if w != nil {
		acked, _ = w.Int64()
	}
	return n, acked, nil
}

// expireOne moves token to Expired if it is open and due, reporting
// whether this call made that move: the compare-and-set that stores it is
// the claim, so each expiry has exactly one claimant.
func (s *Store) expireOne(ctx context.Context, token string, now time.Time) (pending.Record, bool, error) {
	for try := 0; try < maxTries; try++ {
		r, body, pttl, err := s.read(ctx, token)
		switch {
		case errors.Is(err, pending.ErrUnknownToken):
			// Gone by its TTL (or evicted): forget its deadline and place.
			return pending.Record{}, false, wrap("expiring a confirmation", s.c.ZRem(ctx, s.dueKey(), token).Err())
		case err != nil:
			return pending.Record{}, false, wrap("expiring a confirmation", err)
		case !r.State.Open():
			return pending.Record{}, false, wrap("expiring a confirmation", s.c.ZRem(ctx, s.dueKey(), token).Err()) // settled meanwhile
		case now.Before(r.ExpiresAt):
			return pending.Record{}, false, nil // due by the rounded score only
		}
		// As the memory store's sweep: SettledBy stays who moved it last.
		moved := r
		moved.State, moved.SettledAt = pending.Expired, r.ExpiresAt
		ok, err := s.cas(ctx, r, body, moved, pttl, false, 0, false)
		switch {
		case err != nil:
			return pending.Record{}, false, wrap("expiring a confirmation", err)
		case ok:
			return moved, true, nil
		}
		if err := pause(ctx, try); err != nil {
			return pending.Record{}, false, err
		}
	}
	return pending.Record{}, false, ErrContention
}

// wrap adds what failed to an error from Redis, leaving the store's own
// errors as they are.
func wrap(what string, err error) error {
	var se *pending.SettledError
	switch {
	case err == nil, errors.Is(err, pending.ErrUnknownToken), errors.Is(err, ErrContention),
		errors.Is(err, errDecode), errors.Is(err, pending.ErrNotDurable), errors.As(err, &se):
		return err
	}
	return fmt.Errorf("redis: %s: %w", what, err)
}
