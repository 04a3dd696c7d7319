package picker

import (
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// Lists are the IDs found in a message, as the act form shows them.
func (f Found) Lists() []reply.List {
	var out []reply.List
	for _, l := range []struct {
		label string
		ids   []string
	}{{"SecMaster incidents", f.Incidents}, {"SecMaster alerts", f.Alerts}, {"Coralogix incidents", f.Coralogix}, {"COC tickets", f.Tickets}} {
		if len(l.ids) > 0 {
			out = append(out, reply.IDs(l.label, l.ids))
		}
	}
	return out
}

// NoIDs is the private answer to the shortcut on a message that names no
// ID the bot recognises.
func NoIDs() reply.Reply {
	return reply.Reply{Tone: reply.Warning, Title: "I found no incident, alert or ticket ID in this message.",
		Lines: []string{"IDs look like `inc-1001`, `alert-2001`, `cx-3001`, a COC ticket `IM2026…` or a UUID after the word incident, alert or ticket. " +
			"Type the command instead, e.g. `/incident delete ID`."}}
}

// NoneAllowed is the private answer to the shortcut from someone the
// access policy allows none of the verbs the IDs fit.
func NoneAllowed() reply.Reply {
	return reply.Reply{Tone: reply.Failure, Title: "Not allowed: the access policy lets you run none of " + strings.Join(ActVerbs, ", ") + " here.",
		Lines: []string{"`/incident whoami` shows what you may do here."}}
}

// Choose is the act form's heading: what was found, and the question.
func Choose(f Found) reply.Reply {
	return reply.Reply{Tone: reply.Info, Title: "What should happen to the IDs in this message?", Lists: f.Lists(),
		Footer: "Pick an action: the usual confirmation follows, and nothing runs before it."}
}
