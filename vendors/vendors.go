// Package vendors holds the vendor-neutral side of every vendor call: the
// requests the commands build, the per-ID results the clients return, the
// errors a vendor can answer with, and the splitting of large batches. It
// imports no SDK, so the grammar and the renderers can share it.
package vendors

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The vendors' names, as responders read them.
const (
	SecMaster = "SecMaster"
	COC       = "COC"
	Coralogix = "Coralogix"
)

// MaxMessage is how much of a vendor's message a responder reads; the full
// text stays in the error's Detail for the log.
const MaxMessage = 300

// Cap shortens s to at most n runes, marking the cut with "…".
func Cap(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Error is a vendor's own refusal: an HTTP 4xx status, or a success status
// whose body says the operation failed. It carries the vendor's code and
// message so the responder sees exactly what the vendor said. The vendor
// did not act.
type Error struct {
	Vendor    string // "SecMaster", "COC", "Coralogix"
	Status    int    // HTTP status, 0 when unknown
	Code      string // the vendor's error code, as sent
	Message   string // the vendor's error message, capped to MaxMessage
	RequestID string // the vendor's request ID, for a support ticket
	Detail    string // the vendor's full answer, for the log only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Vendor)
	b.WriteString(" refused the request")
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// UnreachableError means no trustworthy answer came from the vendor after
// the request may have been sent: a timeout, a reset or cut connection, a
// 5xx, an unreadable 2xx. Whether the operation took effect is unknown; the
// responder should check the vendor's console (RequestID helps its support).
type UnreachableError struct {
	Vendor    string
	Timeout   time.Duration // the per-call limit, for the message
	RequestID string        // when the vendor sent one before the answer broke
	Status    int           // the HTTP status, when an answer began
	Code      string        // the vendor's code, when a 5xx carried one
	Reason    string        // what went wrong, short and readable
	Detail    string        // the vendor's full answer, for the log only
	Err       error
}

func (e *UnreachableError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("no answer within %s", e.Timeout)
		if e.Err != nil {
			reason += ": " + Cap(e.Err.Error(), MaxMessage)
		}
	}
	s := fmt.Sprintf("%s gave no trustworthy answer (%s); it may have acted", e.Vendor, reason)
	if e.RequestID != "" {
		s += fmt.Sprintf(" (request %s)", e.RequestID)
	}
	return s
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// NotSentError means the request never left: the connection was refused,
// the name did not resolve, the dial timed out. The vendor cannot have
// acted, so it is a plain failure a responder may retry at once.
type NotSentError struct {
	Vendor string
	Reason string // what went wrong, short and readable
	Err    error
}

func (e *NotSentError) Error() string {
	return fmt.Sprintf("%s could not be reached (%s); nothing was sent", e.Vendor, e.Reason)
}

func (e *NotSentError) Unwrap() error { return e.Err }

// Outcome is what became of one ID in a vendor call.
type Outcome int

// The outcomes of one ID. Unknown is never merged into Refused: the vendor
// may have acted, and a responder must not read "failed" and retry blindly.
const (
	Done         Outcome = iota // the vendor confirmed it
	Refused                     // the vendor said no, with its code and message
	Unknown                     // no trustworthy answer after the request may have been sent
	NotAttempted                // an earlier call stopped the batch before this ID was sent
)

var outcomeNames = [...]string{Done: "done", Refused: "refused", Unknown: "unknown", NotAttempted: "not attempted"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Item is the outcome of one ID.
type Item struct {
	ID      string
	Outcome Outcome
	Code    string // the vendor's code, when it gave one
	Message string // the vendor's message, or why the outcome is what it is
	// Retryable marks a refusal a later retry can get past (throttling):
	// such an ID is offered for a retry with the not attempted ones.
	Retryable bool
}

// BatchResult is the per-ID outcome of a batch operation, with the request
// IDs the vendor gave each call (for its support desk).
type BatchResult struct {
	Items      []Item
	RequestIDs []string
}

// Count is the number of items with outcome o.
func (r BatchResult) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// With returns the items whose outcome is o, in request order.
func (r BatchResult) With(o Outcome) []Item {
	var out []Item
	for _, it := range r.Items {
		if it.Outcome == o {
			out = append(out, it)
		}
	}
	return out
}

// IDs returns the IDs whose outcome is o, in request order.
func (r BatchResult) IDs(o Outcome) []string {
	var out []string
	for _, it := range r.Items {
		if it.Outcome == o {
			out = append(out, it.ID)
		}
	}
	return out
}

// Merge appends other to r.
func (r *BatchResult) Merge(other BatchResult) {
	r.Items = append(r.Items, other.Items...)
	r.RequestIDs = append(r.RequestIDs, other.RequestIDs...)
}

// MarkAll records every id with the same outcome and message.
func (r *BatchResult) MarkAll(ids []string, o Outcome, code, message string) {
	for _, id := range ids {
		r.Items = append(r.Items, Item{ID: id, Outcome: o, Code: code, Message: message})
	}
}

// Association names the two sides of a SecMaster data object relation, for
// example incidents -> alerts.
type Association struct {
	DataClass        string // data class of the subject, plural lowercase ("incidents")
	ObjectID         string // the subject's ID
	RelatedDataClass string // data class of the related objects ("alerts")
}

// NewIncident is a COC incident ticket to create. Field limits are checked
// by the commands before the call, so a responder hears of them first.
type NewIncident struct {
	Title             string
	Description       string
	Level             string // level_10 .. level_50
	Type              string // inc_type_p_...
	Source            string // incident_source_...
	ApplicationID     string
	ServiceInterrupt  bool
	Assignee          string // either Assignee, or Scene and Role
	Scene             string
	Role              string
	Region            string
	EnterpriseProject string
	Creator           string // the creator's cloud user ID
}

// TicketStep is one step of a COC ticket's lifecycle.
type TicketStep int

// The lifecycle steps the bot drives, in the order a ticket takes them.
const (
	Accept  TicketStep = iota + 1 // the owner takes the ticket
	Resolve                       // a cause and solution are submitted
	Verify                        // the handling result is verified
)

// TicketOp is one lifecycle step on a COC ticket.
type TicketOp struct {
	Step     TicketStep
	Ticket   string
	Operator string // the operator's cloud user ID

	// Resolve
	Type             string // incident type (inc_type_p_...)
	ServiceInterrupt bool
	Cause            string
	Solution         string

	// Verify
	Passed  bool
	Comment string
}

// Receipt is a single call's answer: what the vendor named (a ticket
// number) and its request ID.
type Receipt struct {
	ID        string
	RequestID string
}
