package redisstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/internal/packed"
	"github.com/incidentbot/incidentbot/commands"
)

// wire is a record as versions before formatPacked stored it: JSON with
// short names, times as Unix nanoseconds.
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

// A record is stored in package packed's encoding behind a one-byte
// format tag (formatPacked): a `delete` of 50 UUIDs takes about 900 bytes
// where JSON took 2,600, which Redis copies, stores and sends less of.
// Records in JSON (wire), written by versions before it, start with '{'
// and are still read, so that a fleet mid-upgrade settles and expires
// every record; a replica of such a version cannot read a packed record
// and refuses to act on it (see the README's "Upgrading").
//
// After the tag: state, count, created, expires, settled (Unix
// nanoseconds, 0 for none), the move tag, the requester, confirmer and
// settler (platform, user ID, name each), channel, message, words,
// approvers, roles.
const formatPacked = 2

func encode(r pending.Record) []byte { return encodeMove(r, "") }

func encodeMove(r pending.Record, move string) []byte {
	n := 1 + 5*binary.MaxVarintLen64 + packed.MaxSize(r.Words) + packed.MaxSize(r.Approvers) + packed.MaxSize(r.Roles) +
		packed.MaxSize([]string{move, r.Requester.Platform, r.Requester.UserID, r.Requester.Name,
			r.ConfirmedBy.Platform, r.ConfirmedBy.UserID, r.ConfirmedBy.Name, r.SettledBy.Platform, r.SettledBy.UserID, r.SettledBy.Name,
			r.Channel, r.Message})
	b := make([]byte, 0, n)
	b = append(b, formatPacked)
	b = binary.AppendUvarint(b, uint64(r.State))
	b = binary.AppendUvarint(b, uint64(max(r.Count, 0)))
	b = binary.AppendVarint(b, nanos(r.CreatedAt))
	b = binary.AppendVarint(b, nanos(r.ExpiresAt))
	b = binary.AppendVarint(b, nanos(r.SettledAt))
	b = packed.AppendString(b, move)
	for _, c := range [...]commands.Caller{r.Requester, r.ConfirmedBy, r.SettledBy} {
		b = packed.AppendString(b, c.Platform)
		b = packed.AppendString(b, c.UserID)
		b = packed.AppendString(b, c.Name)
	}
	b = packed.AppendString(b, r.Channel)
	b = packed.AppendString(b, r.Message)
	b = packed.AppendWords(b, r.Words)
	b = packed.AppendStrings(b, r.Approvers)
	return packed.AppendStrings(b, r.Roles)
}

func decode(token string, body string) (pending.Record, error) {
	if body == "" || body[0] != formatPacked {
		return decodeJSON(token, body)
	}
	d := packed.NewReader(body[1:])
	r := pending.Record{Token: token}
	r.State = pending.State(d.Uvarint())
	r.Count = int(min(d.Uvarint(), math.MaxInt32))
	r.CreatedAt, r.ExpiresAt, r.SettledAt = fromNanos(d.Varint()), fromNanos(d.Varint()), fromNanos(d.Varint())
	_ = d.String() // the move tag
	for _, c := range [...]*commands.Caller{&r.Requester, &r.ConfirmedBy, &r.SettledBy} {
		c.Platform, c.UserID, c.Name = d.String(), d.String(), d.String()
	}
	r.Channel, r.Message = d.String(), d.String()
	r.Words = d.Words()
	r.Approvers, r.Roles = d.Strings(), d.Strings()
	if err := d.Done(); err != nil {
		return pending.Record{}, fmt.Errorf("%w: %v", errDecode, err)
	}
	return r, nil
}

// decodeJSON reads a record as versions before formatPacked stored it.
func decodeJSON(token string, body string) (pending.Record, error) {
	var w wire
	if err := json.Unmarshal([]byte(body), &w); err != nil {
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
