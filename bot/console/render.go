package console

import (
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// maxListed is how many items of a list the console prints before "and N more".
const maxListed = 50

var marks = map[reply.Tone]string{reply.Info: "·", reply.Success: "✓", reply.Warning: "!", reply.Failure: "✗"}

// Render formats a reply as plain text, ending with a blank line. Chat
// markup (the backticks of code spans) is left out.
func Render(r reply.Reply) string {
	r = plain(r)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", marks[r.Tone], r.Title)
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	lists := r.Lists
	if r.Attachment != nil { // it holds every item of the lists, and more
		lists = nil
	}
	for _, l := range lists {
		fmt.Fprintf(&b, "  %s:\n", l.Label)
		b.WriteString(reply.Shorten(l.Items, maxListed, 1<<20, func(it reply.Item) string {
			if it.Note != "" {
				return "    - " + it.ID + ": " + it.Note
			}
			return "    - " + it.ID
		}))
		b.WriteString("\n")
	}
	if r.Code != "" {
		for _, l := range strings.Split(r.Code, "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	var buttons, next []string
	var token string
	for _, btn := range r.Buttons {
		switch btn.Press.Kind {
		case reply.Confirm, reply.Cancel:
			buttons = append(buttons, "["+btn.Label+"]")
			token = btn.Press.Value
		case reply.Form: // a card's next steps, as the commands that take them
			next = append(next, btn.Press.Verb+" "+btn.Press.Value)
		}
	}
	if len(buttons) > 0 {
		fmt.Fprintf(&b, "  %s  type confirm or cancel (token %s)\n", strings.Join(buttons, " "), token)
	}
	if len(next) > 0 {
		fmt.Fprintf(&b, "  Next: %s (help shows each one's options)\n", strings.Join(next, " · "))
	}
	renderRest(&b, r)
	if r.Footer != "" {
		fmt.Fprintf(&b, "  (%s)\n", r.Footer)
	}
	b.WriteString("\n")
	return b.String()
}

// plain drops chat markup from a reply's text: a terminal shows backticks
// as backticks.
func plain(r reply.Reply) reply.Reply {
	strip := strings.NewReplacer("`", "").Replace
	r.Title, r.Footer = strip(r.Title), strip(r.Footer)
	lines := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = strip(l)
	}
	r.Lines = lines
	lists := make([]reply.List, len(r.Lists))
	for i, l := range r.Lists {
		items := make([]reply.Item, len(l.Items))
		for j, it := range l.Items {
			items[j] = reply.Item{ID: it.ID, Note: strip(it.Note)}
		}
		lists[i] = reply.List{Label: strip(l.Label), Items: items}
	}
	r.Lists = lists
	return r
}
