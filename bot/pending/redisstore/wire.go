package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
)

// wire is a record as stored: short names, times as Unix nanoseconds.
type wire struct {
	V         int        `json:"v"`
	Words     []string   `json:"w"`
	Requester [3]string  `json:"rq"`
	Channel   string     `json:"ch,omitempty"`
	Message   string     `json:"m,omitempty"`
	Count     int        `json:"n,omitempty"`
	CreatedAt int64      `json:"ca,omitempty"`
	ExpiresAt int64      `json:"ea"`
	State     int        `json:"s"`
	Confirmed *[3]string `json:"cb,omitempty"`
	SettledBy *[3]string `json:"sb,omitempty"`
	SettledAt int64      `json:"sa,omitempty"`
	Approvers []string   `json:"ap,omitempty"`
	// Roles are the requester's platform roles (Discord), which a
	// role-based policy is asked with again at Confirm.
	Roles []string `json:"ro,omitempty"`
	// Move is a random tag of the call that made the last move, so that
	// a retried write can tell its own body from an equal move by another
	// call made at the same instant.
	Move string `json:"x,omitempty"`
}

const wireVersion = 1

// errDecode means a stored record cannot be read by this build.
var errDecode = errors.New("redisstore: a stored confirmation cannot be read")

func caller(c commands.Caller) [3]string { return [3]string{c.Platform, c.UserID, c.Name} }

func optCaller(c commands.Caller) *[3]string {
	if c == (commands.Caller{}) {
		return nil
	}
	w := caller(c)
	return &w
}

func fromCaller(w *[3]string) commands.Caller {
	if w == nil {
		return commands.Caller{}
	}
	return commands.Caller{Platform: w[0], UserID: w[1], Name: w[2]}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func encode(r pending.Record) ([]byte, error) { return encodeMove(r, "") }

func encodeMove(r pending.Record, move string) ([]byte, error) {
	b, err := json.Marshal(wire{Move: move,
		V: wireVersion, Words: r.Words, Requester: caller(r.Requester), Channel: r.Channel, Message: r.Message,
		Count: r.Count, CreatedAt: nanos(r.CreatedAt), ExpiresAt: nanos(r.ExpiresAt), State: int(r.State),
		Confirmed: optCaller(r.ConfirmedBy), SettledBy: optCaller(r.SettledBy), SettledAt: nanos(r.SettledAt),
		Approvers: r.Approvers, Roles: r.Roles,
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: encoding a confirmation: %w", err)
	}
	return b, nil
}

func decode(token string, b []byte) (pending.Record, error) {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return pending.Record{}, fmt.Errorf("%w: %v", errDecode, err)
	}
	if w.V != wireVersion {
		return pending.Record{}, fmt.Errorf("%w: format version %d, this build reads %d", errDecode, w.V, wireVersion)
	}
	return pending.Record{
		Token: token, Words: w.Words, Requester: fromCaller(&w.Requester), Channel: w.Channel, Message: w.Message,
		Count: w.Count, CreatedAt: fromNanos(w.CreatedAt), ExpiresAt: fromNanos(w.ExpiresAt), State: pending.State(w.State),
		ConfirmedBy: fromCaller(w.Confirmed), SettledBy: fromCaller(w.SettledBy), SettledAt: fromNanos(w.SettledAt),
		Approvers: w.Approvers, Roles: w.Roles,
	}, nil
}
