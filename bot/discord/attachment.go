package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// A reply's attachment (every ID of a large result, by outcome) goes with
// its message as a text file: a multipart follow-up whose payload_json
// names it in "attachments" (id 0, its filename) and whose part
// "files[0]" holds it, as Discord's API specification describes the
// execute-webhook request (IncomingWebhookRequestPartial,
// MessageAttachmentRequest).

// withFile adds r's attachment, if any, to params. A reader is read once,
// so it is made afresh for each attempt: call it inside the retried func.
func withFile(params *discordgo.WebhookParams, r reply.Reply) *discordgo.WebhookParams {
	if r.Attachment == nil {
		return params
	}
	p := *params
	name := attachmentName(r.Attachment.Name)
	p.Files = []*discordgo.File{{Name: name, ContentType: "text/plain; charset=utf-8", Reader: strings.NewReader(r.Attachment.Text)}}
	p.Attachments = []*discordgo.MessageAttachment{{ID: "0", Filename: name}}
	return &p
}

// attachmentName is a safe file name: the bot writes it, but it is cut to
// Discord's limit and kept to plain characters all the same.
func attachmentName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, name)
	if name == "" {
		name = "outcomes.txt"
	}
	return reply.Clip(name, 100)
}

// privately posts r as a private follow-up to the interaction, with its
// attachment.
func (a *Adapter) privately(ctx context.Context, i *discordgo.Interaction, r reply.Reply) {
	d := message(r)
	params := &discordgo.WebhookParams{Embeds: d.Embeds, Components: d.Components, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: d.AllowedMentions}
	err := a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, withFile(params, r)); return err })
	a.delivered(routeFollowup, err, false)
	if err != nil {
		a.log.Warn("posting a private follow-up failed", "error", err, "title", r.Title)
	}
}
