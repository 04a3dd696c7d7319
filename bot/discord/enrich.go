package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// enrich is the work after a confirmation's initial response: the
// look-ups of its targets, then the original response edited to show
// them, unless the confirmation has moved on meanwhile. Nil when there is
// nothing to look up.
func (a *Adapter) enrich(i *discordgo.Interaction, o bot.Outcome) func(context.Context) {
	if o.Enrich == nil {
		return nil
	}
	ref := messageRef(i)
	return func(ctx context.Context) {
		o.Enrich(ctx, func(ctx context.Context, r reply.Reply) { a.UpdateMessage(ctx, ref, r) })
	}
}
