package bot

import (
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// The presenter's sentences about the rest of a partial result: the stop
// notice that says what is known, the Retry and Check buttons, and what
// a check found.

// stoppedPartway is the stop notice of a batch the bot stopped part way:
// its result as far as known, under a title that says it stopped.
func stoppedPartway(r reply.Reply) reply.Reply {
	r.Tone = reply.Warning
	r.Title = "Stopped part way: " + r.Title
	r.Lines = append([]string{"The bot was stopped (a restart or a deploy) while this was running; this is what is known. " +
		"IDs answered keep their answer, the call in flight has an unknown outcome, and the IDs never sent are safe to retry."}, r.Lines...)
	return r
}

// restButtons are a partial result's offers: retry the IDs a retry can
// help, and check the ones whose outcome is unknown.
func restButtons(token string, retry, refusedRetry, unknown int) []reply.Button {
	var bs []reply.Button
	if retry > 0 {
		label := fmt.Sprintf("Retry %d not attempted", retry-refusedRetry)
		switch {
		case refusedRetry > 0 && retry == refusedRetry:
			label = fmt.Sprintf("Retry %d throttled", retry)
		case refusedRetry > 0:
			label = fmt.Sprintf("Retry %d (%d not attempted, %d throttled)", retry, retry-refusedRetry, refusedRetry)
		}
		bs = append(bs, reply.Button{Label: label, Press: reply.Press{Kind: reply.Retry, Value: token}, Style: reply.Primary})
	}
	if unknown > 0 {
		bs = append(bs, reply.Button{Label: fmt.Sprintf("Check %d unknown", unknown), Press: reply.Press{Kind: reply.Check, Value: token}})
	}
	return bs
}

// restLine explains the buttons under a partial result.
func restLine(retry, unknown int) string {
	var parts []string
	if retry > 0 {
		parts = append(parts, "Retry asks for a new confirmation for exactly the IDs a retry can help")
	}
	if unknown > 0 {
		parts = append(parts, "Check looks the unknown IDs up (they are never retried blindly)")
	}
	return strings.Join(parts, "; ") + "."
}

// restGone answers a Retry or Check pressed a second time, or too late.
func restGone(kind reply.Kind) reply.Reply {
	return reply.Reply{Tone: reply.Warning, Title: fmt.Sprintf("This %s button was already used or has expired. Nothing was run.", kind),
		Lines: []string{"Each one works once. To act on these IDs again, type the command with them."}}
}

// noLookup answers a Check when the bot has no read access to the vendor.
var noLookup = reply.Reply{Tone: reply.Failure, Title: "The bot cannot look these IDs up: it has no read access to the vendor configured. Nothing was run."}

// checking is the note while a Check looks IDs up.
func checking(vendor string, n int) reply.Reply {
	return reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("Looking up %d ID(s) with an unknown outcome in %s…", n, vendor)}
}

// checkGroup is one answer of a Check and the IDs that got it.
type checkGroup struct {
	label string
	key   string // the audit attribute
	items []reply.Item
}

// checked is what a Check found, one list per answer; text is the whole
// list, attached when the message shows only the first IDs.
func checked(s commands.Summary, groups []checkGroup, note string) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("%s: checked %d ID(s) whose outcome was unknown (%s)", s.Vendor, len(s.IDs), s.Operation)}
	if note != "" {
		r.Lines = append(r.Lines, note)
	}
	var full strings.Builder
	cut := false
	for _, g := range groups {
		if len(g.items) == 0 {
			continue
		}
		l := reply.List{Label: fmt.Sprintf("%s (%d)", g.label, len(g.items))}
		if len(g.items) > commands.FirstIDs {
			l.Label, cut = fmt.Sprintf("%s (%d, first %d)", g.label, len(g.items), commands.FirstIDs), true
		}
		l.Items = g.items[:min(len(g.items), commands.FirstIDs)]
		r.Lists = append(r.Lists, l)
		fmt.Fprintf(&full, "%s (%d)\n", g.label, len(g.items))
		for _, it := range g.items {
			if it.Note != "" {
				fmt.Fprintf(&full, "%s  %s\n", it.ID, it.Note)
			} else {
				fmt.Fprintf(&full, "%s\n", it.ID)
			}
		}
		full.WriteString("\n")
	}
	if cut {
		r.Attachment = &reply.Attachment{Name: s.Verb + "-check.txt", Title: "Every checked ID", Text: full.String()}
	}
	return r
}

// lookupNote is why a look-up could not answer, for the list.
func lookupNote(err error) string {
	if err == nil {
		return ""
	}
	return vendors.Cap(err.Error(), 120)
}
