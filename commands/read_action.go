package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// showAction shows one ID as the first vendor of where that knows it.
type showAction struct {
	reader Reader
	id     string
	where  []string
}

func (a *showAction) Destructive() bool { return false }

func (a *showAction) Summary() Summary {
	return Summary{Verb: "show", Vendor: a.where[0], Operation: "show", Target: a.id}
}

// Run asks each vendor in turn. A vendor that could not be asked is
// said so, and the next is still asked: "not found" is claimed only when
// every vendor answered that it does not know the ID.
func (a *showAction) Run(ctx context.Context, _ ProgressFunc) (Result, error) {
	if a.reader == nil {
		return Result{Reply: cannotRead()}, nil
	}
	var failed []string
	for _, v := range a.where {
		switch v {
		case vendors.COC:
			l := a.reader.Ticket(ctx, a.id)
			if l.Presence == vendors.Found {
				return Result{Reply: TicketReply(l.Item), Shown: []string{a.id}}, nil
			}
			failed = appendFailure(failed, "COC", l.Presence, l.Err)
		case vendors.SecMaster:
			inc := a.reader.SecMasterIncidents(ctx, []string{a.id})[0]
			if inc.Presence == vendors.Found {
				return a.incident(ctx, inc.Item), nil
			}
			failed = appendFailure(failed, "SecMaster (incidents)", inc.Presence, inc.Err)
			al := a.reader.Alerts(ctx, []string{a.id})[0]
			if al.Presence == vendors.Found {
				return Result{Reply: alertReply(al.Item), Shown: []string{a.id}}, nil
			}
			failed = appendFailure(failed, "SecMaster (alerts)", al.Presence, al.Err)
		case vendors.Coralogix:
			inc := a.reader.CoralogixIncidents(ctx, []string{a.id})[0]
			if inc.Presence == vendors.Found {
				return Result{Reply: incidentReply(inc.Item, nil, ""), Shown: []string{a.id}}, nil
			}
			failed = appendFailure(failed, "Coralogix", inc.Presence, inc.Err)
		}
	}
	names := make([]string, len(a.where))
	copy(names, a.where)
	if len(failed) == 0 {
		return Result{Reply: reply.Reply{Tone: reply.Warning, Title: "Not found: " + reply.CodeSpan(a.id),
			Lines: []string{strings.Join(names, " and ") + " answered that they do not know this ID. Check it for a typo, or say where to look with --in."}}}, nil
	}
	return Result{Reply: reply.Reply{Tone: reply.Warning, Title: "Could not look up " + reply.CodeSpan(a.id),
		Lines: failed}}, nil
}

// appendFailure notes a vendor that could not be asked (not one that
// answered "not found").
func appendFailure(failed []string, where string, p vendors.Presence, err error) []string {
	if p == vendors.NotFound {
		return failed
	}
	return append(failed, "Could not look it up in "+where+": "+vendors.LookupReason(err)+".")
}

// incident shows a SecMaster incident with its linked alerts.
func (a *showAction) incident(ctx context.Context, inc vendors.Incident) Result {
	page, err := a.reader.ListLinkedAlerts(ctx, inc.ID, vendors.ListQuery{All: true, Limit: vendors.DefaultListLimit})
	shown := []string{inc.ID}
	problem := ""
	if err != nil {
		problem = "Could not list its linked alerts: " + vendors.LookupReason(err) + "."
	}
	for _, al := range page.Items {
		shown = append(shown, al.ID)
	}
	r := incidentReply(inc, &page, problem)
	return Result{Reply: r, Shown: shown}
}

func cannotRead() reply.Reply {
	return reply.Reply{Tone: reply.Failure, Title: "Nothing was shown: the bot has no reader for the vendors."}
}

// listAction lists one page.
type listAction struct {
	reader   Reader
	what     string // incidents, alerts, tickets, coralogix
	vendor   string
	incident string // for alerts
	q        vendors.ListQuery
	words    []string // the command's words without the verb and the page
}

func (a *listAction) Destructive() bool { return false }

func (a *listAction) Summary() Summary {
	s := Summary{Verb: "list", Vendor: a.vendor, Operation: "list " + a.what}
	if a.incident != "" {
		s.Target = "linked to " + a.incident
	}
	return s
}

func (a *listAction) Run(ctx context.Context, _ ProgressFunc) (Result, error) {
	if a.reader == nil {
		return Result{Reply: cannotRead()}, nil
	}
	var (
		items []reply.Item
		next  string
		total = -1
		err   error
	)
	switch a.what {
	case "incidents", "coralogix":
		list := a.reader.ListSecMaster
		if a.what == "coralogix" {
			list = a.reader.ListCoralogix
		}
		var p vendors.Page[vendors.Incident]
		p, err = list(ctx, a.q)
		for _, inc := range p.Items {
			items = append(items, reply.Item{ID: inc.ID, Note: incidentNote(inc)})
		}
		next, total = p.Next, p.Total
	case "alerts":
		var p vendors.Page[vendors.Alert]
		p, err = a.reader.ListLinkedAlerts(ctx, a.incident, a.q)
		for _, al := range p.Items {
			items = append(items, reply.Item{ID: al.ID, Note: alertNote(al)})
		}
		next, total = p.Next, p.Total
	case "tickets":
		var p vendors.Page[vendors.Ticket]
		p, err = a.reader.ListTickets(ctx, a.q)
		for _, t := range p.Items {
			items = append(items, reply.Item{ID: t.Number, Note: ticketNote(t)})
		}
		next, total = p.Next, p.Total
	}
	what := a.heading()
	if err != nil {
		return Result{Reply: reply.Reply{Tone: reply.Warning, Title: "Could not list " + what,
			Lines: []string{vendors.LookupReason(err) + ". Nothing is shown rather than a partial list; try again in a moment."}}}, nil
	}
	label := "title · severity · status · owner"
	if a.what == "tickets" {
		label = "title · level · status · assignee"
	}
	return Result{Reply: listReply(what, a.filters(), label, items, total, next, a.words), Shown: itemIDs(items)}, nil
}

func (a *listAction) heading() string {
	switch a.what {
	case "incidents":
		return "SecMaster incidents"
	case "alerts":
		return "SecMaster alerts linked to " + reply.CodeSpan(a.incident)
	case "tickets":
		return "COC tickets"
	}
	return "Coralogix incidents"
}

// filters says which items the list holds, in words.
func (a *listAction) filters() string {
	var f []string
	switch {
	case len(a.q.Status) > 0:
		f = append(f, "status "+strings.Join(a.q.Status, ", "))
	case a.q.All || a.what == "alerts":
		f = append(f, "every status")
	default:
		f = append(f, "open")
	}
	if len(a.q.Severity) > 0 {
		f = append(f, "severity "+strings.Join(a.q.Severity, ", "))
	}
	if a.q.Assignee != "" {
		f = append(f, "assigned to you")
	}
	return strings.Join(f, ", ") + ", newest first"
}

func itemIDs(items []reply.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// listReply is one page of a list and the way to the next.
func listReply(what, filters, label string, items []reply.Item, total int, next string, words []string) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("%s: %d (%s)", what, len(items), filters)}
	if total >= 0 {
		r.Title = fmt.Sprintf("%s: %d of %d (%s)", what, len(items), total, filters)
	}
	if len(items) == 0 {
		r.Lines = []string{"None."}
		return r
	}
	r.Lists = []reply.List{{Label: label, Items: items}}
	if next != "" {
		more := append(append([]string{}, words...), "--page", next)
		r.Lines = append(r.Lines, "Next page: "+reply.CodeSpan("list "+strings.Join(more, " ")))
		p := reply.Press{Kind: reply.Page, Verb: "list", Value: strings.Join(more, " ")}
		if len(p.ID()) <= reply.MaxIDLen {
			r.Buttons = []reply.Button{{Label: "Next page", Press: p}}
		}
	}
	return r
}
