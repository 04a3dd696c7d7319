package console

import (
	"context"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// cancelAll is "cancel all": it presses Cancel on every confirmation of
// this console that is waiting, oldest first, each through the core (so
// each is audited and counted as a cancel), and shows the core's answer to
// each.
func (c *Console) cancelAll(ctx context.Context) {
	c.mu.Lock()
	list := append([]waiting(nil), c.pending...)
	c.mu.Unlock()
	if len(list) == 0 {
		c.print(reply.Reply{Tone: reply.Info, Title: "Nothing is waiting for confirmation: nothing to cancel."})
		return
	}
	for _, w := range list {
		o := c.bot.Press(ctx, bot.Click{Caller: c.caller, Channel: Channel, Press: reply.Press{Kind: reply.Cancel, Value: w.token}})
		if !o.Notice {
			c.forget(w.token)
		}
		c.show(ctx, o)
	}
}
