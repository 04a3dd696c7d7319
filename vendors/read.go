package vendors

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Incident is a SecMaster or Coralogix incident as its vendor reports it,
// in the vendor's own words (severity "High", status "Open";
// "INCIDENT_SEVERITY_CRITICAL", "INCIDENT_STATUS_TRIGGERED").
type Incident struct {
	Vendor   string    `json:"vendor"`
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Severity string    `json:"severity,omitempty"`
	Status   string    `json:"status,omitempty"`
	Owners   []string  `json:"owners,omitempty"` // SecMaster's owner; Coralogix's assignees
	Updated  time.Time `json:"updated,omitzero"`
	Link     string    `json:"link,omitempty"` // where the vendor gives one
}

// Alert is a SecMaster alert.
type Alert struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Severity  string    `json:"severity,omitempty"`
	Status    string    `json:"status,omitempty"`
	Owner     string    `json:"owner,omitempty"`
	Updated   time.Time `json:"updated,omitzero"`
	Link      string    `json:"link,omitempty"`
	Incidents []string  `json:"incidents,omitempty"` // the incidents SecMaster lists it under
}

// Ticket is a COC incident ticket.
type Ticket struct {
	Number    string    `json:"number"`
	Title     string    `json:"title"`
	Level     string    `json:"level,omitempty"`  // level_10 .. level_50
	Status    string    `json:"status,omitempty"` // COC's status key, as sent
	Assignees []string  `json:"assignees,omitempty"`
	Updated   time.Time `json:"updated,omitzero"`
}

// Presence is what a look-up learned about one ID.
type Presence int

// The three answers of a look-up. NotFound is claimed only when the vendor
// positively said the ID does not exist (a complete answer that omits it,
// or lists it as not found); a timeout, a 5xx, a refusal, an HTML or cut
// answer is CouldNotLookUp, never NotFound.
const (
	Found          Presence = iota + 1 // the vendor returned it
	NotFound                           // the vendor said it does not exist
	CouldNotLookUp                     // no trustworthy answer: see Lookup.Err
)

var presenceNames = [...]string{Found: "found", NotFound: "not found", CouldNotLookUp: "could not look up"}

func (p Presence) String() string {
	if p > 0 && int(p) < len(presenceNames) {
		return presenceNames[p]
	}
	return fmt.Sprintf("Presence(%d)", int(p))
}

// Lookup is the answer for one ID: the item when Found, the reason when
// CouldNotLookUp (a *Error with the vendor's code, message and request ID,
// an *UnreachableError, a *NotSentError or a *LookupError).
type Lookup[T any] struct {
	ID       string
	Presence Presence
	Item     T
	Err      error
}

// LookupError is a look-up that could not finish for a reason of our own
// side: the deadline passed, the caller gave up.
type LookupError struct {
	Vendor string
	Reason string // "timed out after 2s"
	Err    error
}

func (e *LookupError) Error() string { return fmt.Sprintf("%s: %s", e.Vendor, e.Reason) }
func (e *LookupError) Unwrap() error { return e.Err }

// Failed answers every id with CouldNotLookUp and err.
func Failed[T any](ids []string, err error) []Lookup[T] {
	out := make([]Lookup[T], len(ids))
	for i, id := range ids {
		out[i] = Lookup[T]{ID: id, Presence: CouldNotLookUp, Err: err}
	}
	return out
}

// LookupReason is the short reason a responder reads after "could not look
// up": the vendor's code and message for a refusal, what went wrong
// otherwise, with the vendor's request ID when there is one.
func LookupReason(err error) string {
	var ve *Error
	var ue *UnreachableError
	var ns *NotSentError
	var le *LookupError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &le):
		return le.Reason
	case errors.As(err, &ve):
		s := fmt.Sprintf("%s answered HTTP %d", ve.Vendor, ve.Status)
		if said := join(ve.Code, ve.Message); said != "" {
			s += ": " + said
		}
		return withRequest(s, ve.RequestID)
	case errors.As(err, &ue):
		reason := ue.Reason
		if reason == "" {
			reason = fmt.Sprintf("no answer within %s", ue.Timeout)
		}
		return withRequest(ue.Vendor+" gave no trustworthy answer ("+reason+")", ue.RequestID)
	case errors.As(err, &ns):
		return ns.Vendor + " could not be reached (" + ns.Reason + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return Cap(err.Error(), MaxMessage)
}

func join(code, msg string) string {
	if code != "" && msg != "" {
		return code + ": " + msg
	}
	return code + msg
}

func withRequest(s, id string) string {
	if id != "" {
		return s + " (request " + id + ")"
	}
	return s
}

// ListQuery asks for one page of a list. The zero value asks for the open
// items, newest first, DefaultListLimit of them.
type ListQuery struct {
	All      bool     // every status, not only the open ones (ignored when Status is set)
	Status   []string // the vendor's own status words; empty: open ones (unless All)
	Severity []string // the vendor's own severity words
	Assignee string   // only items owned by / assigned to this vendor user ID
	Limit    int      // 1..MaxListLimit; 0: DefaultListLimit
	Cursor   string   // Page.Next of the previous page; "" for the first
}

// DefaultListLimit and MaxListLimit bound a page.
const (
	DefaultListLimit = 25
	MaxListLimit     = 100
)

// PageSize is q's limit within 1..MaxListLimit.
func (q ListQuery) PageSize() int {
	switch {
	case q.Limit <= 0:
		return DefaultListLimit
	case q.Limit > MaxListLimit:
		return MaxListLimit
	}
	return q.Limit
}

// Page is one page of a list. Next, when not empty, is the Cursor of the
// next page (opaque: keep it as is, e.g. in a button). Total is the
// vendor's count of all matches, -1 when it gave none.
type Page[T any] struct {
	Items []T
	Next  string
	Total int
}

// SecMasterReader reads SecMaster's incidents and alerts.
type SecMasterReader interface {
	// Incidents looks incidents up by ID, one answer per ID, in order.
	Incidents(ctx context.Context, ids []string) []Lookup[Incident]
	// ListIncidents lists incidents, newest first.
	ListIncidents(ctx context.Context, q ListQuery) (Page[Incident], error)
	// Alerts looks alerts up by ID, one answer per ID, in order.
	Alerts(ctx context.Context, ids []string) []Lookup[Alert]
	// LinkedAlerts lists the alerts linked to an incident.
	LinkedAlerts(ctx context.Context, incidentID string, q ListQuery) (Page[Alert], error)
}

// COCReader reads COC's incident tickets.
type COCReader interface {
	// Ticket looks one ticket up by number.
	Ticket(ctx context.Context, number string) Lookup[Ticket]
	// ListTickets lists tickets a page at a time.
	ListTickets(ctx context.Context, q ListQuery) (Page[Ticket], error)
}

// CoralogixReader reads Coralogix's incidents.
type CoralogixReader interface {
	// Incidents looks incidents up by ID, one answer per ID, in order.
	Incidents(ctx context.Context, ids []string) []Lookup[Incident]
	// ListIncidents lists incidents, newest first.
	ListIncidents(ctx context.Context, q ListQuery) (Page[Incident], error)
}

// ParseTime reads the timestamps the vendors send: RFC 3339 (Coralogix),
// ISO 8601 with milliseconds and a +hh:mm or +hhmm zone (SecMaster). The
// zero time when s is empty or unreadable.
func ParseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// PathSafe reports whether id may be put in a URL path as one segment:
// 1 to 128 letters, digits, '-', '_' or '.', and not "." or "..". The
// SDK escapes '?' and '#' but not dot segments, which a gateway may
// resolve to another API; an ID that is not path-safe is not sent.
func PathSafe(id string) bool {
	if id == "" || len(id) > 128 || id == "." || id == ".." {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
