package bot

import (
	"fmt"
	"strconv"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// notFoundNote marks an ID the vendor said it does not know.
const notFoundNote = "not found: %s does not know this ID"

// confirmationWith is the confirmation showing its targets as the vendor
// sees them: the same question, the same buttons bound to the same token,
// and per ID the vendor's view, "not found", or why it could not be
// looked up.
func (p presenter) confirmationWith(rec pending.Record, s commands.Summary, t targets) reply.Reply {
	r := p.confirmation(rec, s)
	var (
		notFound, failed int
		reason           string
	)
	items := make([]reply.Item, len(t.items))
	for i, it := range t.items {
		items[i] = reply.Item{ID: it.id}
		switch it.presence {
		case vendors.Found:
			items[i].Note = it.note
		case vendors.NotFound:
			notFound++
			items[i].Note = fmt.Sprintf(notFoundNote, t.vendor)
		default:
			failed++
			items[i].Note = "could not look up"
			if reason == "" {
				reason = vendors.LookupReason(it.err)
			}
		}
	}
	label := "As " + t.vendor + " sees them (" + strconv.Itoa(len(items)) + ")"
	r.Lists = []reply.List{{Label: label, Items: items}}
	var lines []string
	if t.subject != nil {
		switch sub := *t.subject; sub.presence {
		case vendors.Found:
			lines = append(lines, "Incident "+reply.CodeSpan(sub.id)+": "+sub.note+".")
		case vendors.NotFound:
			lines = append(lines, "Incident "+reply.CodeSpan(sub.id)+": "+fmt.Sprintf(notFoundNote, t.vendor)+".")
		default:
			lines = append(lines, "Incident "+reply.CodeSpan(sub.id)+": could not look it up: "+vendors.LookupReason(sub.err)+".")
		}
	}
	switch {
	case notFound == len(items) && len(items) > 0:
		r.Title = fmt.Sprintf("Confirm: %s? %s knows none of these IDs", describe(s), t.vendor)
		lines = append(lines, fmt.Sprintf("%s said it does not know any of them: check them for a typo before you confirm.", t.vendor))
	case notFound > 0:
		verb := "are"
		if notFound == 1 {
			verb = "is"
		}
		lines = append(lines, fmt.Sprintf("%d of these IDs %s not found in %s: check them for a typo before you confirm.", notFound, verb, t.vendor))
	}
	if failed > 0 {
		what := "these"
		if failed < len(items) {
			what = strconv.Itoa(failed) + " of these"
		}
		lines = append(lines, fmt.Sprintf("Could not look %s up: %s — you are confirming the IDs as typed.", what, reason))
	}
	r.Lines = append(r.Lines, lines...)
	return r
}
