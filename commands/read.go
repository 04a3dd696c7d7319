package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/vendors"
)

// Reader is what the read verbs (show, list) need: the bot's one lookup
// reader (vendors/lookup), cached and bounded. Its look-ups never fail as
// a whole: each ID is found, not found or could not be looked up.
type Reader interface {
	SecMasterIncidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident]
	Alerts(ctx context.Context, ids []string) []vendors.Lookup[vendors.Alert]
	CoralogixIncidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident]
	Ticket(ctx context.Context, number string) vendors.Lookup[vendors.Ticket]
	ListSecMaster(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	ListLinkedAlerts(ctx context.Context, incidentID string, q vendors.ListQuery) (vendors.Page[vendors.Alert], error)
	ListCoralogix(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	ListTickets(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Ticket], error)
}

// ticketNumber is a COC ticket number: "IM" and digits.
var ticketNumber = regexp.MustCompile(`^IM[0-9]{8,40}$`)

// IsTicketNumber reports whether id is shaped like a COC ticket number
// (show looks such IDs up in COC).
func IsTicketNumber(id string) bool { return ticketNumber.MatchString(id) }

// Where show and list look, as typed after --in and as list's first word.
const (
	inSecMaster = "secmaster"
	inCoralogix = "coralogix"
	inCOC       = "coc"
)

var vendorOfIn = map[string]string{inSecMaster: vendors.SecMaster, inCoralogix: vendors.Coralogix, inCOC: vendors.COC}

func showVerb() *Verb {
	return &Verb{
		Name: "show",
		Args: []Arg{{Name: "id", Placeholder: "ID", Description: "An incident, alert or ticket ID", Required: true, MaxLen: 128}},
		Options: []Option{
			{Name: "in", Placeholder: "VENDOR", Help: "where to look: secmaster, coralogix or coc (default: IM… in COC, else SecMaster, then Coralogix)",
				choices: &choices{values: []choice{{inSecMaster, nil, "SecMaster"}, {inCoralogix, nil, "Coralogix"}, {inCOC, nil, "COC"}}}},
		},
		Summary: "Show an incident, alert or ticket as its vendor reports it.",
		Details: []string{"A COC ticket number (IM…) is looked up in COC; any other ID in SecMaster (incidents, then alerts), then Coralogix.",
			"An incident's linked alerts are listed with it."},
		Examples: []string{"/incident show inc-1001", "/incident show cx-3001 --in coralogix", "/incident show IM202611220001"},
		build:    buildShow,
	}
}

func buildShow(r *Registry, in args, c Caller) (Action, error) {
	switch len(in.positional) {
	case 0:
		return nil, fmt.Errorf("show which ID? Give an incident, alert or ticket ID.")
	case 1:
	default:
		return nil, fmt.Errorf("show takes one ID; got %d.", len(in.positional))
	}
	id := strings.Trim(in.positional[0], "`")
	if err := checkID(id); err != nil {
		return nil, err
	}
	var where []string
	switch in.values["in"] {
	case "":
		if IsTicketNumber(id) {
			where = []string{vendors.COC}
		} else {
			for _, v := range []string{vendors.SecMaster, vendors.Coralogix} {
				if r.vendorConfigured(v) {
					where = append(where, v)
				}
			}
			if len(where) == 0 {
				return nil, &NotConfiguredError{Vendor: vendors.SecMaster, Hint: r.deps.NotConfigured[vendors.SecMaster]}
			}
		}
	default:
		where = []string{vendorOfIn[in.values["in"]]}
	}
	for _, v := range where {
		if !r.vendorConfigured(v) {
			return nil, &NotConfiguredError{Vendor: v, Hint: r.deps.NotConfigured[v]}
		}
	}
	return &showAction{reader: r.deps.Reader, id: id, where: where}, nil
}

func listVerb() *Verb {
	return &Verb{
		Name: "list",
		Args: []Arg{
			{Name: "what", Placeholder: "incidents|alerts|tickets|coralogix", Description: "What to list", Required: true, MaxLen: 16,
				Choices: []Choice{{Value: "incidents", Label: "SecMaster incidents"}, {Value: "alerts", Label: "Alerts linked to a SecMaster incident"},
					{Value: "tickets", Label: "COC tickets"}, {Value: "coralogix", Label: "Coralogix incidents"}}},
			{Name: "incident", Placeholder: "INCIDENT_ID", Description: "For alerts: the SecMaster incident they are linked to", MaxLen: 128},
		},
		Options: []Option{
			{Name: "status", Placeholder: "STATUS", Help: "only this status, in the vendor's words (Open, Closed; INCIDENT_STATUS_…); all: every status", MaxLen: 64},
			{Name: "severity", Placeholder: "SEVERITY", Help: "only this severity or level, in the vendor's words (High; level_20; INCIDENT_SEVERITY_…)", MaxLen: 64},
			{Name: "mine", Help: "only tickets assigned to you (COC, with your user in COC_USER_MAP)"},
			{Name: "limit", Placeholder: "N", Help: fmt.Sprintf("how many, 1 to %d (default %d)", vendors.MaxListLimit, vendors.DefaultListLimit), MaxLen: 3},
			{Name: "page", Placeholder: "CURSOR", Help: "the page a previous list's \"Next page\" names", MaxLen: 200},
		},
		Summary: "List open incidents, alerts or tickets, newest first.",
		Details: []string{"By default the open ones, newest first, 25 at most. A list that goes on ends with the command for its next page."},
		Examples: []string{"/incident list incidents", "/incident list incidents --severity High", "/incident list alerts inc-1001",
			"/incident list tickets --mine", "/incident list coralogix --status all"},
		build: buildList,
	}
}

func buildList(r *Registry, in args, c Caller) (Action, error) {
	if len(in.positional) == 0 {
		return nil, fmt.Errorf("list what? Give incidents, alerts, tickets or coralogix.")
	}
	what := strings.ToLower(in.positional[0])
	a := &listAction{reader: r.deps.Reader, what: what}
	switch what {
	case "incidents", "incident":
		a.what, a.vendor = "incidents", vendors.SecMaster
	case "alerts", "alert":
		a.what, a.vendor = "alerts", vendors.SecMaster
		if len(in.positional) < 2 {
			return nil, fmt.Errorf("list alerts needs the SecMaster incident they are linked to: list alerts INCIDENT_ID.")
		}
		a.incident = in.positional[1]
		if err := checkID(a.incident); err != nil {
			return nil, err
		}
	case "tickets", "ticket":
		a.what, a.vendor = "tickets", vendors.COC
	case "coralogix":
		a.vendor = vendors.Coralogix
	default:
		return nil, fmt.Errorf("there is no list of %s: give incidents, alerts, tickets or coralogix.", quoteShort(in.positional[0]))
	}
	if len(in.positional) > 1 && a.what != "alerts" || len(in.positional) > 2 {
		return nil, fmt.Errorf("list takes what to list and nothing more (options start with --); %s is extra.", quoteShort(in.positional[len(in.positional)-1]))
	}
	if !r.vendorConfigured(a.vendor) {
		return nil, &NotConfiguredError{Vendor: a.vendor, Hint: r.deps.NotConfigured[a.vendor]}
	}
	v := in.values
	switch strings.ToLower(v["status"]) {
	case "":
	case "all":
		a.q.All = true
	default:
		a.q.Status = []string{v["status"]}
	}
	if v["severity"] != "" {
		a.q.Severity = []string{v["severity"]}
	}
	if in.switches["mine"] {
		if a.vendor != vendors.COC {
			return nil, fieldErrorf("mine", "--mine works for tickets only: the bot knows your COC user (COC_USER_MAP), not your %s user.", a.vendor)
		}
		id := r.deps.COCOperators[c.Platform+":"+c.UserID]
		if id == "" {
			return nil, fieldErrorf("mine", "--mine needs your COC user: map %s:%s in COC_USER_MAP.", c.Platform, c.UserID)
		}
		a.q.Assignee = id
	}
	if s := v["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > vendors.MaxListLimit {
			return nil, fieldErrorf("limit", "--limit %s is not a number from 1 to %d.", quoteShort(s), vendors.MaxListLimit)
		}
		a.q.Limit = n
	}
	a.q.Cursor = v["page"]
	a.words = listWords(a, v, in.switches["mine"])
	return a, nil
}

// listWords are the words of a list command without its page, for the
// next page's button and hint.
func listWords(a *listAction, v map[string]string, mine bool) []string {
	words := []string{a.what}
	if a.incident != "" {
		words = append(words, a.incident)
	}
	for _, name := range []string{"status", "severity", "limit"} {
		if v[name] != "" {
			words = append(words, "--"+name, v[name])
		}
	}
	if mine {
		words = append(words, "--mine")
	}
	return words
}
