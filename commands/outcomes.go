package commands

import (
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Batch is an action over a list of IDs, which can end part way: some IDs
// done, some refused, some unknown, some never sent.
type Batch interface {
	Action
	// Present is the reply that shows a result of this action, whole or
	// partial.
	Present(res vendors.BatchResult) reply.Reply
	// WordsFor are the words of the same command over other IDs: a retry
	// of the rest.
	WordsFor(ids []string) []string
	// Subject is the object the IDs relate to (unlink's incident), or "".
	Subject() string
}

// FirstIDs is how many IDs of each outcome a result message shows; the
// rest are in its attachment.
const FirstIDs = 10

// BatchReply is the one presenter of a batch result: what was done, what
// the vendor refused (with its code and message), what has an unknown
// outcome (and how to check), what was never sent (safe to retry), and the
// vendor's request IDs. A partial result's message shows the counts and
// the first IDs of each outcome; when that is not all of them, every ID
// by outcome is in its Attachment. (A whole success lists its IDs as
// before: they are the ones confirmed.)
func BatchReply(s Summary, done string, res vendors.BatchResult) reply.Reply {
	ok, refused, unknown, skipped := res.Count(vendors.Done), res.Count(vendors.Refused), res.Count(vendors.Unknown), res.Count(vendors.NotAttempted)
	r := reply.Reply{Public: true}
	switch {
	case ok == len(res.Items):
		r.Tone = reply.Success
	case ok == 0 && unknown == 0:
		r.Tone = reply.Failure
	default:
		r.Tone = reply.Warning
	}
	r.Title = fmt.Sprintf("%s: %s %d of %d", s.Vendor, strings.ToLower(done), ok, len(res.Items))
	what := s.Operation
	if s.Target != "" {
		what += " " + s.Target
	}
	r.Lines = []string{"Operation: " + what + "."}
	if ok != len(res.Items) {
		r.Lines = append(r.Lines, fmt.Sprintf("Outcome: %d %s, %d refused, %d unknown, %d not attempted.", ok, strings.ToLower(done), refused, unknown, skipped))
	}
	if unknown > 0 {
		r.Lines = append(r.Lines, fmt.Sprintf("%s gave no trustworthy answer for %d ID(s): it may have acted on them. Check them in %s before trying again; they are never retried blindly.", s.Vendor, unknown, s.Vendor))
	}
	if skipped > 0 {
		r.Lines = append(r.Lines, fmt.Sprintf("%d ID(s) were never sent to %s: safe to retry.", skipped, s.Vendor))
	}
	cut := false
	list := func(label string, o vendors.Outcome, n int) {
		if n == 0 {
			return
		}
		l := reply.List{Label: fmt.Sprintf("%s (%d)", label, n)}
		if n > FirstIDs && ok != len(res.Items) {
			l.Label = fmt.Sprintf("%s (%d, first %d)", label, n, FirstIDs)
			cut = true
		}
		items := res.With(o)
		shared := items[0].Message
		for _, it := range items {
			if it.Message != shared {
				shared = ""
				break
			}
		}
		if shared != "" && n > 1 { // one reason for all: said once
			l.Label += " — " + vendors.Cap(strings.TrimPrefix(shared, "not attempted: "), 200)
		}
		if cut {
			items = items[:min(n, FirstIDs)]
		}
		for _, it := range items {
			note := it.Message
			if shared != "" && n > 1 {
				note = ""
			}
			l.Items = append(l.Items, reply.Item{ID: it.ID, Note: note})
		}
		r.Lists = append(r.Lists, l)
	}
	list(done, vendors.Done, ok)
	list("Failed", vendors.Refused, refused)
	list("Outcome unknown", vendors.Unknown, unknown)
	list("Not attempted", vendors.NotAttempted, skipped)
	if len(res.RequestIDs) > 0 {
		r.Footer = "Request IDs: " + strings.Join(res.RequestIDs, ", ") + "."
	}
	if cut {
		r.Lines = append(r.Lines, "Every ID, by outcome, comes with this message (as a text file in chat).")
		r.Attachment = &reply.Attachment{Name: strings.ReplaceAll(s.Verb, " ", "-") + "-outcomes.txt", Title: "Every ID by outcome",
			Text: OutcomeText(s, done, res)}
	}
	return r
}

// OutcomeText is every ID of a result by outcome, as plain text: a
// heading per outcome, then one ID a line, each run of IDs that share a
// reason under that reason.
func OutcomeText(s Summary, done string, res vendors.BatchResult) string {
	var b strings.Builder
	what := s.Operation
	if s.Target != "" {
		what += " " + s.Target
	}
	fmt.Fprintf(&b, "%s: %s, %d IDs\n", s.Vendor, what, len(res.Items))
	if len(res.RequestIDs) > 0 {
		fmt.Fprintf(&b, "Request IDs: %s\n", strings.Join(res.RequestIDs, ", "))
	}
	for _, sec := range []struct {
		label string
		o     vendors.Outcome
	}{{done, vendors.Done}, {"Refused", vendors.Refused}, {"Outcome unknown (check before retrying)", vendors.Unknown}, {"Not attempted (safe to retry)", vendors.NotAttempted}} {
		items := res.With(sec.o)
		if len(items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", sec.label, len(items))
		reason := ""
		for _, it := range items {
			why := it.Message
			if it.Code != "" && !strings.Contains(why, it.Code) {
				why = it.Code + ": " + why
			}
			if why != reason && why != "" {
				fmt.Fprintf(&b, "  - %s\n", why)
			}
			reason = why
			fmt.Fprintf(&b, "%s\n", it.ID)
		}
	}
	return b.String()
}
