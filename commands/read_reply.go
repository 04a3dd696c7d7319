package commands

import (
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// The vendors' own words, shown as they sent them. What a vendor sends is
// hostile input like anything typed: Clean keeps it to one short line,
// and the renderers escape it like any other text.

// maxVendorText is the most characters of a vendor's title shown in a
// list line.
const maxVendorText = 90

// Clean makes a vendor's text one line of at most n characters: control
// characters (a newline that would fake a line of ours) become spaces.
func Clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return reply.Cut(strings.Join(strings.Fields(s), " "), n)
}

// words joins the non-empty parts with " · ".
func words(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = Clean(p, maxVendorText); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " · ")
}

// IncidentNote is one incident on one line: title · severity · status ·
// owners, in the vendor's words.
func IncidentNote(inc vendors.Incident) string {
	owners := "no owner"
	if len(inc.Owners) > 0 {
		owners = strings.Join(inc.Owners, ", ")
	}
	return words(title(inc.Title), inc.Severity, inc.Status, owners)
}

// AlertNote is one alert on one line.
func AlertNote(al vendors.Alert) string {
	return words(title(al.Title), al.Severity, al.Status, al.Owner)
}

// TicketNote is one ticket on one line: title · level · status · assignees.
func TicketNote(t vendors.Ticket) string {
	assignees := "no assignee"
	if len(t.Assignees) > 0 {
		assignees = strings.Join(t.Assignees, ", ")
	}
	return words(title(t.Title), levels.label(t.Level), t.Status, assignees)
}

func title(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no title)"
	}
	return s
}

func incidentNote(inc vendors.Incident) string { return IncidentNote(inc) }
func alertNote(al vendors.Alert) string        { return AlertNote(al) }
func ticketNote(t vendors.Ticket) string       { return TicketNote(t) }

func updated(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return "updated " + t.UTC().Format("2006-01-02 15:04 UTC")
}

// incidentReply shows one incident; linked, for a SecMaster incident, is
// the first page of its linked alerts (problem: why they could not be
// listed).
func incidentReply(inc vendors.Incident, linked *vendors.Page[vendors.Alert], problem string) reply.Reply {
	owners := "no owner"
	if len(inc.Owners) > 0 {
		owners = "owner " + strings.Join(inc.Owners, ", ")
	}
	r := reply.Reply{Tone: reply.Info, Title: inc.Vendor + " incident " + reply.CodeSpan(inc.ID) + ": " + Clean(title(inc.Title), 150),
		Lines: []string{words("severity "+inc.Severity, "status "+inc.Status, owners, updated(inc.Updated))}}
	if inc.Link != "" {
		r.Lines = append(r.Lines, "Link: "+Clean(inc.Link, 300))
	}
	if problem != "" {
		r.Lines = append(r.Lines, problem)
	}
	if linked != nil && problem == "" {
		if len(linked.Items) == 0 {
			r.Lines = append(r.Lines, "No alerts are linked to it.")
		} else {
			l := reply.List{Label: "Linked alerts"}
			for _, al := range linked.Items {
				l.Items = append(l.Items, reply.Item{ID: al.ID, Note: AlertNote(al)})
			}
			if linked.Next != "" {
				l.Label += " (the first " + strconv.Itoa(len(linked.Items)) + "; list alerts " + inc.ID + " shows them all)"
			}
			r.Lists = []reply.List{l}
		}
	}
	return r
}

func alertReply(al vendors.Alert) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Title: "SecMaster alert " + reply.CodeSpan(al.ID) + ": " + Clean(title(al.Title), 150),
		Lines: []string{words("severity "+al.Severity, "status "+al.Status, al.Owner, updated(al.Updated))}}
	if len(al.Incidents) > 0 {
		r.Lines = append(r.Lines, "Linked to: "+Clean(strings.Join(al.Incidents, ", "), 300))
	}
	if al.Link != "" {
		r.Lines = append(r.Lines, "Link: "+Clean(al.Link, 300))
	}
	return r
}

// TicketReply shows a COC ticket as COC reports it, with the steps a
// card offers.
func TicketReply(t vendors.Ticket) reply.Reply {
	return reply.Reply{Tone: reply.Info, Title: "COC ticket " + reply.CodeSpan(t.Number) + ": " + Clean(title(t.Title), 150),
		Lines:   []string{TicketState(t)},
		Buttons: ticketButtons(t.Number)}
}

// TicketState is a ticket's state line: level, status, assignee, as COC
// reports them.
func TicketState(t vendors.Ticket) string {
	assignee := "no assignee"
	if len(t.Assignees) > 0 {
		assignee = "assignee " + strings.Join(t.Assignees, ", ")
	}
	level := t.Level
	if l := levels.label(t.Level); l != t.Level {
		level = l + " (" + t.Level + ")"
	}
	return "COC says: " + words("level "+level, "status "+t.Status, assignee, updated(t.Updated))
}

// TicketCard is a ticket's state line with its title, for a card whose
// heading names the step rather than the ticket.
func TicketCard(t vendors.Ticket) string {
	return "COC says: " + words(title(t.Title), strings.TrimPrefix(TicketState(t), "COC says: "))
}
