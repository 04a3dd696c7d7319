package console

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// A partial result's Retry and Check buttons, as words: "retry" or
// "check" presses the only one offered, "retry TOKEN" a given one; with
// several offered it lists them and asks, as confirm does.

// offer is a Retry or Check button this console showed.
type offer struct {
	kind        reply.Kind
	token, what string
}

// remember keeps the Retry and Check buttons of a reply.
func (c *Console) remember(r reply.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range r.Buttons {
		if b.Press.Kind == reply.Retry || b.Press.Kind == reply.Check {
			c.offers = append(c.offers, offer{kind: b.Press.Kind, token: b.Press.Value, what: b.Label + " (" + r.Title + ")"})
		}
	}
}

// pressRest presses a Retry or Check button named by word and token.
func (c *Console) pressRest(ctx context.Context, kind reply.Kind, token string) {
	c.mu.Lock()
	var list []offer
	for _, o := range c.offers {
		if o.kind == kind && (token == "" || o.token == token) {
			list = append(list, o)
		}
	}
	c.mu.Unlock()
	switch {
	case len(list) == 0 && token != "":
		c.print(reply.Reply{Tone: reply.Warning, Title: fmt.Sprintf("No %s %s was offered here, or it was used. Nothing was run.", kind, reply.Clip(token, 40))})
		return
	case len(list) == 0:
		c.print(reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("No result here offers %s.", kind)})
		return
	case len(list) > 1:
		lines := make([]string, len(list))
		for i, o := range list {
			lines[i] = o.token + "  " + o.what
		}
		c.print(reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("%d results offer %s: which one? Type %s TOKEN.", len(list), kind, kind), Lines: lines})
		return
	}
	o := c.bot.Press(ctx, bot.Click{Caller: c.caller, Channel: Channel, Press: reply.Press{Kind: kind, Value: list[0].token}})
	c.mu.Lock()
	for i, x := range c.offers { // each button works once
		if x == list[0] {
			c.offers = append(c.offers[:i], c.offers[i+1:]...)
			break
		}
	}
	if o.Token != "" {
		c.pending = append(c.pending, waiting{token: o.Token, what: strings.TrimSuffix(strings.TrimPrefix(o.Reply.Title, "Confirm: "), "?")})
	}
	c.mu.Unlock()
	c.show(ctx, o)
}

// renderRest writes a reply's Retry and Check buttons as the words that
// press them, and its attachment in full: on a terminal, every ID.
func renderRest(b *strings.Builder, r reply.Reply) {
	var buttons, words []string
	token := ""
	for _, btn := range r.Buttons {
		if btn.Press.Kind == reply.Retry || btn.Press.Kind == reply.Check {
			buttons = append(buttons, "["+btn.Label+"]")
			words = append(words, string(btn.Press.Kind))
			token = btn.Press.Value
		}
	}
	if len(buttons) > 0 {
		fmt.Fprintf(b, "  %s  type %s (token %s)\n", strings.Join(buttons, " "), strings.Join(words, " or "), token)
	}
	if a := r.Attachment; a != nil {
		fmt.Fprintf(b, "  %s:\n", a.Title)
		for _, l := range strings.Split(strings.TrimRight(a.Text, "\n"), "\n") {
			fmt.Fprintf(b, "    %s\n", l)
		}
	}
}
