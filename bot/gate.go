package bot

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/commands"
)

// The states of a pending action. Only pending moves, and only once: to
// confirmed, cancelled or expired. That single checked transition is what
// makes "at most one run" hold however many clicks arrive at once.
const (
	statePending int = iota
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

	timer *time.Timer

	mu        sync.Mutex // guards the fields below
	onExpiry  func(reply.Reply)
	state     int
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

// Put stores an action and returns it with its token. It expires after the
// gate's TTL unless confirmed or cancelled first.
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
	p.mu.Lock()
	p.onExpiry = f
	p.mu.Unlock()
}

func (p *Pending) expiryHook() func(reply.Reply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.onExpiry
}

func (g *Gate) expire(p *Pending) {
	p.mu.Lock()
	expired := p.state == statePending
	if expired {
		p.state, p.settledAt = stateExpired, p.ExpiresAt
	}
	p.mu.Unlock()
	if expired && g.expired != nil {
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

// settle moves a pending action to confirmed or cancelled. Every check and
// the move itself happen in one critical section: there is no window in
// which two clicks can both see "pending".
func (g *Gate) settle(token string, who commands.Caller, to int) (*Pending, error) {
	v, ok := g.store.Get(token)
	if !ok {
		return nil, ErrUnknownToken
	}
	p := v.(*Pending)
	now := g.now()
	var err error
	expiredNow := false
	p.mu.Lock()
	switch {
	case p.state != statePending:
		err = p.settledError()
	case who.Platform != p.Requester.Platform || who.UserID != p.Requester.UserID:
		err = ErrNotRequester
	case !now.Before(p.ExpiresAt):
		p.state, p.settledAt = stateExpired, p.ExpiresAt
		expiredNow = true
		err = p.settledError()
	default:
		p.state, p.settledBy, p.settledAt = to, who.Name, now
	}
	p.mu.Unlock()
	if expiredNow && g.expired != nil {
		g.expired(p) // audit and update the message, as the timer would have
	}
	if err == nil {
		p.timer.Stop()
	}
	return p, err
}

// settledError describes why p can no longer be settled. p.mu must be held.
func (p *Pending) settledError() error {
	e := &SettledError{By: p.settledBy, At: p.settledAt}
	switch p.state {
	case stateConfirmed:
		e.State = "confirmed"
	case stateCancelled:
		e.State = "cancelled"
	case stateExpired:
		e.State = "expired"
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
