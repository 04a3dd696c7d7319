package picker

import (
	"context"
	"fmt"
	"strings"
)

// Offer is one verb a message's IDs could go to, with its arguments filled.
type Offer struct {
	Verb   string
	Values map[string]string // the verb's arguments: "ids", "incident", "alerts", "ticket"
	Label  string            // "Delete 2 incidents: inc-1001, inc-1002"
}

// ActVerbs are the verbs a message's IDs can be acted on with, in the
// order a form offers them.
var ActVerbs = []string{"delete", "unlink", "unassign", "accept", "resolve", "verify"}

// Offers are the verbs found's IDs fit and who may request, each with its
// arguments: delete the incidents, unlink the alerts from the first
// incident, unassign the Coralogix incidents, a ticket step on the first
// ticket. Empty when who may request none of them.
func (p *Picker) Offers(ctx context.Context, who Who, f Found) []Offer {
	var out []Offer
	add := func(verb, label string, values map[string]string) {
		if p.Allows(ctx, who, verb) {
			out = append(out, Offer{Verb: verb, Values: values, Label: label})
		}
	}
	if n := len(f.Incidents); n > 0 {
		add("delete", fmt.Sprintf("Delete %s: %s", plural(n, "incident"), list(f.Incidents)), map[string]string{"ids": strings.Join(f.Incidents, " ")})
	}
	if len(f.Incidents) > 0 && len(f.Alerts) > 0 {
		add("unlink", fmt.Sprintf("Unlink %s from %s", list(f.Alerts), f.Incidents[0]),
			map[string]string{"incident": f.Incidents[0], "alerts": strings.Join(f.Alerts, " ")})
	}
	if n := len(f.Coralogix); n > 0 {
		add("unassign", fmt.Sprintf("Unassign %s: %s", plural(n, "Coralogix incident"), list(f.Coralogix)), map[string]string{"ids": strings.Join(f.Coralogix, " ")})
	}
	if len(f.Tickets) > 0 {
		t := f.Tickets[0]
		add("accept", "Accept ticket "+t, map[string]string{"ticket": t})
		add("resolve", "Submit the solution of ticket "+t, map[string]string{"ticket": t})
		add("verify", "Verify ticket "+t, map[string]string{"ticket": t})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// list names up to three IDs, then how many more.
func list(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:3], ", ") + fmt.Sprintf(" and %d more", len(ids)-3)
}
