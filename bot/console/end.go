package console

import (
	"context"
	"fmt"
	"io"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// End closes the session after Run returns (end of input, exit, Ctrl-C):
// it finishes a line the prompt left open, has drop forget the
// confirmations still waiting (the bot's Stop, which writes an audit line
// for each and returns how many), and tells the user which they were, so
// none is lost without a word. drop may be nil.
func (c *Console) End(ctx context.Context, drop func(context.Context) int) {
	c.mu.Lock()
	c.closed = true
	list := append([]waiting(nil), c.pending...)
	c.pending = nil
	if c.atPrompt {
		_, _ = io.WriteString(c.out, "\n")
		c.atPrompt = false
	}
	c.mu.Unlock()
	dropped := 0
	if drop != nil {
		dropped = drop(ctx)
	}
	if len(list) == 0 {
		return
	}
	r := reply.Reply{Tone: reply.Warning, Lines: describeAll(list)}
	if dropped > 0 {
		r.Title = fmt.Sprintf("%d %s still waiting and %s not run:", len(list), plural(len(list), "confirmation was", "confirmations were"), plural(len(list), "was", "were"))
		r.Lines = append(r.Lines, "Nothing was changed; run again what is still needed.")
	} else { // a shared store keeps them until they expire
		r.Title = fmt.Sprintf("%d %s still waiting, kept in the shared store until %s:", len(list), plural(len(list), "confirmation is", "confirmations are"), plural(len(list), "it expires", "they expire"))
	}
	c.print(r)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
