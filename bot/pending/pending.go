// Package pending is the confirmation gate's storage: a destructive action
// waiting for its Confirm (and, where policy asks, a second person's
// Approve), kept under an unguessable token. Every store implements Store
// and passes the same conformance suite (pendingtest), so the in-memory
// store of a single process and a shared store behave alike.
package pending

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/commands"
)

// State is where a confirmation is in its life. Only Pending and
// AwaitingApproval move, and each move happens once: that single checked
// transition is what makes "at most one run" hold however many clicks
// arrive at once, on however many replicas.
type State int

// The states of a confirmation.
const (
	Pending          State = iota // shown with Confirm and Cancel
	AwaitingApproval              // confirmed by the requester; a second person must approve
	Confirmed                     // running, or ran: never again
	Cancelled
	Expired
)

var stateNames = [...]string{Pending: "pending", AwaitingApproval: "awaiting approval", Confirmed: "confirmed", Cancelled: "cancelled", Expired: "expired"}

func (s State) String() string {
	if int(s) >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Open reports whether the state can still move.
func (s State) Open() bool { return s == Pending || s == AwaitingApproval }

// Record is one confirmation as stored. It holds the command's words rather
// than a parsed action, so that any process can run it after parsing it
// again, and so that it costs little more than its IDs.
type Record struct {
	Token     string
	Words     []string // the command, verb first
	Requester commands.Caller
	// Roles are the requester's roles where the platform says (Discord),
	// so the access policy can be asked again when it is confirmed.
	Roles   []string
	Channel string
	// Message tells the requester's chat adapter where the confirmation is
	// shown (a response URL, an interaction token), so whichever process
	// expires it can update it. It is a credential: never log it.
	Message   string
	Count     int // how many IDs it changes
	CreatedAt time.Time
	ExpiresAt time.Time

	State       State
	ConfirmedBy commands.Caller // the requester's Confirm
	SettledBy   commands.Caller // who made the last move
	SettledAt   time.Time
	// Approvers are who may give the second approval, as policy named
	// them. A record with approvers moves from Pending to AwaitingApproval
	// on its requester's Confirm, and to Confirmed only on an approval.
	Approvers []string
}

// Move is one checked transition of a confirmation.
type Move struct {
	From []State // the states it may move from
	To   State
	By   commands.Caller
	At   time.Time
	// RequesterOnly: only the requester may make this move (Confirm, Cancel).
	RequesterOnly bool
	// NotRequester: the requester may not make this move (Approve).
	NotRequester bool
	// Approvers, on a Confirm, are who must approve if the policy asks
	// for a second person now (it may have changed since the request).
	Approvers []string
	// ApprovedFor, on an Approve, are the approvers the approver was
	// checked against: the move is refused if the record names others.
	ApprovedFor []string
	// Seen, when set, is the record as the caller read it (Get) just
	// before: a store may judge the move on it and write only if the
	// record is still that one, sparing a read; if it changed, the store
	// reads it again. It never changes what the move may do.
	Seen *Record
}

// Limits bound what Put accepts; zero means no bound.
type Limits struct {
	PerUser int // pending confirmations of one requester
	Total   int // pending confirmations in all
}

// Store keeps confirmations. Every method is safe for concurrent use, and
// for use by several processes where the store is shared.
type Store interface {
	// Put stores a new confirmation in state Pending, unless that would
	// pass a limit: then it returns a *TooManyError and stores nothing.
	// It keeps its own copy of r: r's strings may be cut from a request's
	// body, which a stored confirmation must not pin.
	Put(ctx context.Context, r Record, l Limits) error
	// Settle makes one move: every check (state, who, expiry) and the move
	// itself are one atomic step. A confirmation whose ExpiresAt is not
	// after m.At is expired by the call itself, which then returns a
	// *SettledError with Now set.
	Settle(ctx context.Context, token string, m Move) (Record, error)
	// Get reads a confirmation without changing it.
	Get(ctx context.Context, token string) (Record, error)
	// Expire moves up to max open confirmations whose ExpiresAt is not
	// after now to Expired and returns them. Each expiry is returned by
	// exactly one call, whichever process makes it.
	Expire(ctx context.Context, now time.Time, max int) ([]Record, error)
	// Stats counts the open confirmations.
	Stats(ctx context.Context) (open int, err error)
}

// RunSettler is a Store that can also record the run an accepted move
// starts (as Runs.Start would, under lease) in the same atomic step as the
// move: one round trip on a shared store instead of two, and no moment in
// which a confirmed action runs without its run record.
type RunSettler interface {
	// SettleRun is Settle; when the move ends in Confirmed it also records
	// the moved record as running under lease, and reports started.
	SettleRun(ctx context.Context, token string, m Move, lease time.Duration) (r Record, started bool, err error)
}

// ErrNotDurable means a store that keeps copies (Redis with replicas)
// could not make sure a move would survive a failover: no copy
// acknowledged it in time. The caller must not act on the move. The store
// takes the move back where it can; where it cannot (its primary died),
// the confirmation may stay settled without having run, and the
// requester must run the command again.
var ErrNotDurable = errors.New("nothing was run: the store of confirmations could not make sure this click would survive a failover (one may be under way). Press again in a moment; if it then says it was already confirmed, run the command again")

// Retention is how long a settled token is remembered after its expiry, so
// a late click is told what happened instead of "not known".
const Retention = time.Hour

// The errors of a move. They are data for the caller to explain (the
// bot's presenter writes what a user reads), not sentences.
var (
	// ErrUnknownToken: the token was never issued, or is long gone.
	ErrUnknownToken = errors.New("pending: unknown token")
	// ErrNotRequester: someone other than the requester tried a move only
	// the requester may make.
	ErrNotRequester = errors.New("pending: not the requester")
	// ErrApprovalChanged: an approval was checked against approvers the
	// confirmation no longer names (it moved in between): nothing changed.
	ErrApprovalChanged = errors.New("pending: approvers changed during the approval")
	// ErrRequester: the requester tried to approve their own action.
	ErrRequester = errors.New("pending: the requester may not approve")
)

// SettledError says the confirmation can no longer make that move: it is
// in State since At, moved there by By.
type SettledError struct {
	State State
	By    commands.Caller
	At    time.Time
	// Now: this very call found it past its expiry and expired it.
	Now bool
}

func (e *SettledError) Error() string {
	return fmt.Sprintf("pending: %s at %s by %s", e.State, e.At.UTC().Format(time.RFC3339), e.By.UserID)
}

// TooManyError refuses a new confirmation past a limit.
type TooManyError struct {
	User  bool // the requester's own limit; else the total
	Limit int
	Open  int // how many the requester (or everyone) has open
}

func (e *TooManyError) Error() string {
	whose := "in all"
	if e.User {
		whose = "for one user"
	}
	return fmt.Sprintf("pending: %d open confirmations %s, the limit is %d", e.Open, whose, e.Limit)
}

// Check applies a move's rules to a record read at m.At. It returns the
// record as moved, or why it may not move; expired reports that the
// record passed its expiry and should be stored as Expired. Stores call
// it inside their atomic step, so every store judges alike.
func Check(r Record, m Move) (moved Record, expired bool, err error) {
	allowed := false
	for _, s := range m.From {
		allowed = allowed || r.State == s
	}
	switch {
	case !r.State.Open() || !allowed:
		return r, false, &SettledError{State: r.State, By: r.SettledBy, At: r.SettledAt}
	case m.RequesterOnly && !sameUser(m.By, r.Requester):
		return r, false, ErrNotRequester
	case m.NotRequester && sameUser(m.By, r.Requester):
		return r, false, ErrRequester
	case m.NotRequester && !slices.Equal(m.ApprovedFor, r.Approvers):
		return r, false, ErrApprovalChanged
	case !m.At.Before(r.ExpiresAt):
		r.State, r.SettledAt, r.SettledBy = Expired, r.ExpiresAt, commands.Caller{}
		return r, true, &SettledError{State: Expired, At: r.ExpiresAt, Now: true}
	}
	if r.State == Pending {
		r.ConfirmedBy = m.By
		if m.To == Confirmed && len(r.Approvers) == 0 && len(m.Approvers) > 0 {
			r.Approvers = m.Approvers
		}
		if m.To == Confirmed && len(r.Approvers) > 0 {
			// Policy asked for a second person: the requester's Confirm
			// only starts the wait for one.
			m.To = AwaitingApproval
		}
	}
	r.State, r.SettledBy, r.SettledAt = m.To, m.By, m.At
	return r, false, nil
}

func sameUser(a, b commands.Caller) bool { return a.Platform == b.Platform && a.UserID == b.UserID }
