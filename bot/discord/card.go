package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// A ticket card moves with its ticket: a step taken from its buttons
// (directly, or through the form a button opened) updates the card in
// place with a status field and the next steps' buttons. Discord lets the
// answer to a component, or to a modal opened from one, update the
// message the component is on.

const maxEmbedFields = 25

// deferredCardUpdate acknowledges a step on a card; the card is edited
// when the step is done.
var deferredCardUpdate = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}

// moveCard shows a step's result: a success updates the card (i.Message)
// in place; anything else goes only to the person who acted.
func (a *Adapter) moveCard(ctx context.Context, i *discordgo.Interaction, r reply.Reply) {
	if !r.Public || r.Tone == reply.Failure || i.Message == nil || len(i.Message.Embeds) == 0 {
		r.Public = false
		d := message(r)
		params := &discordgo.WebhookParams{Embeds: d.Embeds, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: d.AllowedMentions}
		if err := a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, params); return err }); err != nil {
			a.log.Error("telling the user about a card's step failed", "error", err, "title", r.Title)
		}
		return
	}
	card := *i.Message.Embeds[0]
	card.Fields = append(append([]*discordgo.MessageEmbedField(nil), card.Fields...), &discordgo.MessageEmbedField{
		Name: cutEscaped(r.Title, 256), Value: cutEscaped(lastLine(r), 1024)})
	if len(card.Fields) > maxEmbedFields {
		card.Fields = card.Fields[len(card.Fields)-maxEmbedFields:]
	}
	card.Color = toneColour[r.Tone]
	embeds := []*discordgo.MessageEmbed{&card}
	comps := components(r)
	edit := &discordgo.WebhookEdit{Embeds: &embeds, Components: &comps, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	if err := a.rest(ctx, func() error { _, err := a.session.InteractionResponseEdit(i, edit); return err }); err != nil {
		a.log.Error("updating a card failed", "error", err, "title", r.Title)
	}
}

func lastLine(r reply.Reply) string {
	if len(r.Lines) == 0 {
		return "—"
	}
	return r.Lines[len(r.Lines)-1]
}
