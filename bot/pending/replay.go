package pending

import (
	"context"
	"errors"
	"time"
)

// Replay is a verified request's replay-cache key (see OnceSet): the
// store operation that first serves the request checks and sets it in
// the same step, so a request costs one trip to a shared store, not two.
type Replay struct {
	Key string
	TTL time.Duration
}

// ErrReplay means a request's replay key was already set: the request is
// a replay, and nothing was stored or read for it.
var ErrReplay = errors.New("pending: replayed request; nothing was done")

// ReplayChecker is a Store that checks a request's replay key with its
// first operation. Its keys are those of its OnceSet: a key set by
// SeenOnce makes these refuse, and a key set here makes SeenOnce say the
// key is not first, so the two ways of checking agree.
type ReplayChecker interface {
	// PutChecked is SeenOnce(rp.Key, rp.TTL) and, if first, Put. A
	// replay returns ErrReplay and stores nothing. The key stays set
	// whatever Put answers (a refused request is still not to be
	// replayed). A retried call of the store's own client is not a
	// replay of itself.
	PutChecked(ctx context.Context, r Record, l Limits, rp Replay) error
	// GetChecked is SeenOnce(rp.Key, rp.TTL) and Get; a replay returns
	// ErrReplay and no record.
	GetChecked(ctx context.Context, token string, rp Replay) (Record, error)
}

// CheckReplaysIn makes m a ReplayChecker whose replay keys live in once
// (the OnceSet the adapters share). Call it before m is used.
func (m *Memory) CheckReplaysIn(once OnceSet) *Memory {
	m.once = once
	return m
}

var _ ReplayChecker = (*Memory)(nil)

// replayed checks rp in m's OnceSet.
func (m *Memory) replayed(ctx context.Context, rp Replay) error {
	if m.once == nil {
		return errors.New("pending: this memory store checks no replay keys (CheckReplaysIn was not called)")
	}
	first, err := m.once.SeenOnce(ctx, rp.Key, rp.TTL)
	if err != nil {
		return err
	}
	if !first {
		return ErrReplay
	}
	return nil
}

// PutChecked implements ReplayChecker.
func (m *Memory) PutChecked(ctx context.Context, r Record, l Limits, rp Replay) error {
	if err := m.replayed(ctx, rp); err != nil {
		return err
	}
	return m.Put(ctx, r, l)
}

// GetChecked implements ReplayChecker.
func (m *Memory) GetChecked(ctx context.Context, token string, rp Replay) (Record, error) {
	if err := m.replayed(ctx, rp); err != nil {
		return Record{}, err
	}
	return m.Get(ctx, token)
}
