package bot

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/commands"
)

// The states of a pending action. Only pending moves, and only once: to
// confirmed, cancelled or expired. That single compare-and-swap is what makes
// "at most one run" hold however many clicks arrive at once.
const (
	statePending int32 = iota
	stateConfirmed
	stateCancelled
	stateExpired
)

// retention is how long a settled token is remembered after its expiry, so
// a late click is told what happened instead of "unknown".
const retention = time.Hour

// Pending is a destructive action waiting for its requester's confirmation.
type Pending struct {
	Token     string
	Action    commands.Action
	Requester commands.Caller
	Channel   string
	CreatedAt time.Time
	ExpiresAt time.Time

	onExpiry func(reply.Reply) // set by the adapter: updates the message
	timer    *time.Timer

	state     atomic.Int32
	settledMu sync.Mutex
	settledBy string
	settledAt time.Time
}

// Gate errors: each is a user error with a message of its own.
var (
	ErrUnknownToken = errors.New("this confirmation is not known: it expired over an hour ago or the bot restarted. Nothing was changed; run the command again")
	ErrNotRequester = errors.New("only the person who asked can confirm or cancel this")
)

// SettledError says the action was already confirmed, cancelled or expired.
type SettledError struct {
	State string // "confirmed", "cancelled", "expired"
	By    string
	At    time.Time
}

func (e *SettledError) Error() string {
	if e.State == "expired" {
		return fmt.Sprintf("this confirmation expired at %s UTC. Nothing was changed; run the command again", e.At.UTC().Format("15:04:05"))
	}
	return fmt.Sprintf("this was already %s by %s at %s UTC", e.State, e.By, e.At.UTC().Format("15:04:05"))
}

// Gate holds pending actions under random, unguessable tokens.
type Gate struct {
	ttl   time.Duration
	now   func() time.Time
	store *cache.Cache
	// expired is called (once) when a pending action expires unconfirmed.
	expired func(*Pending)
}

// NewGate returns a gate whose actions expire after ttl. now is the clock
// used to judge expiry (time.Now in production, a fake in tests).
func NewGate(ttl time.Duration, now func() time.Time, expired func(*Pending)) *Gate {
	return &Gate{ttl: ttl, now: now, store: cache.New(ttl+retention, time.Minute), expired: expired}
}

// TTL is how long a confirmation stays valid.
func (g *Gate) TTL() time.Duration { return g.ttl }

// Put stores an action and returns it with its token. onExpiry, if not nil,
// is called with nothing held if the action expires unconfirmed.
func (g *Gate) Put(a commands.Action, who commands.Caller, channel string) (*Pending, error) {
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	now := g.now()
	p := &Pending{Token: token, Action: a, Requester: who, Channel: channel, CreatedAt: now, ExpiresAt: now.Add(g.ttl)}
	g.store.Set(token, p, cache.DefaultExpiration)
	p.timer = time.AfterFunc(g.ttl, func() { g.expire(p) })
	return p, nil
}

// OnExpiry registers what to do when p expires unconfirmed.
func (p *Pending) OnExpiry(f func(reply.Reply)) {
	p.settledMu.Lock()
	p.onExpiry = f
	p.settledMu.Unlock()
}

func (g *Gate) expire(p *Pending) {
	if !p.state.CompareAndSwap(statePending, stateExpired) {
		return
	}
	p.settle("", g.now())
	if g.expired != nil {
		g.expired(p)
	}
}

// Take claims the pending action for running. It succeeds at most once per
// token. Only the requester may take it, and only before it expires.
func (g *Gate) Take(token string, who commands.Caller) (*Pending, error) {
	return g.settle(token, who, stateConfirmed)
}

// Cancel settles the pending action without running it.
func (g *Gate) Cancel(token string, who commands.Caller) (*Pending, error) {
	return g.settle(token, who, stateCancelled)
}

func (g *Gate) settle(token string, who commands.Caller, to int32) (*Pending, error) {
	v, ok := g.store.Get(token)
	if !ok {
		return nil, ErrUnknownToken
	}
	p := v.(*Pending)
	if p.state.Load() != statePending {
		return p, p.settledError()
	}
	if who.Platform != p.Requester.Platform || who.UserID != p.Requester.UserID {
		return p, ErrNotRequester
	}
	now := g.now()
	if !now.Before(p.ExpiresAt) {
		g.expire(p)
		return p, p.settledError()
	}
	if !p.state.CompareAndSwap(statePending, to) {
		return p, p.settledError()
	}
	p.timer.Stop()
	p.settle(who.Name, now)
	return p, nil
}

func (p *Pending) settle(by string, at time.Time) {
	p.settledMu.Lock()
	p.settledBy, p.settledAt = by, at
	p.settledMu.Unlock()
}

func (p *Pending) settledError() error {
	p.settledMu.Lock()
	defer p.settledMu.Unlock()
	e := &SettledError{By: p.settledBy, At: p.settledAt}
	switch p.state.Load() {
	case stateConfirmed:
		e.State = "confirmed"
	case stateCancelled:
		e.State = "cancelled"
	case stateExpired:
		e.State, e.At = "expired", p.ExpiresAt
	}
	return e
}

// newToken returns 130 bits of randomness as 26 lowercase base32 characters:
// unguessable, and short enough for Slack action IDs and Discord custom IDs.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tokenEncoding.EncodeToString(b[:]), nil
}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
