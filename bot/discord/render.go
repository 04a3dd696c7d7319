package discord

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// Discord's message limits.
const (
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxFooter           = 2048
	maxCustomID         = 100
	maxListed           = 30
)

var toneColour = map[reply.Tone]int{reply.Info: 0x5865F2, reply.Success: 0x57F287, reply.Warning: 0xFEE75C, reply.Failure: 0xED4245}

// message renders a reply as an interaction response body. Mentions are
// disabled: user text must never ping @everyone.
func message(r reply.Reply) *discordgo.InteractionResponseData {
	d := &discordgo.InteractionResponseData{
		Embeds:          []*discordgo.MessageEmbed{embed(r)},
		Components:      components(r),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
	if !r.Public {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	return d
}

// edit renders a reply as an edit of an existing message (buttons removed
// when the reply has none).
func edit(r reply.Reply) *discordgo.WebhookEdit {
	embeds := []*discordgo.MessageEmbed{embed(r)}
	comps := components(r)
	return &discordgo.WebhookEdit{Embeds: &embeds, Components: &comps, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
}

func embed(r reply.Reply) *discordgo.MessageEmbed {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString(escape(l) + "\n")
	}
	for _, l := range r.Lists {
		b.WriteString("\n" + listText(l) + "\n")
	}
	if r.Code != "" {
		b.WriteString("```\n" + strings.ReplaceAll(r.Code, "```", "'''") + "\n```")
	}
	e := &discordgo.MessageEmbed{Title: cutEscaped(r.Title, maxEmbedTitle), Description: reply.Cut(strings.TrimSpace(b.String()), maxEmbedDescription), Color: toneColour[r.Tone]}
	if r.Footer != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: reply.Cut(r.Footer, maxFooter)}
	}
	return e
}

// listText renders a list as bullet lines, shortened with "and N more".
// A list gets at most a third of the embed, so several fit.
func listText(l reply.List) string {
	head := "**" + escape(l.Label) + "**"
	return head + "\n" + reply.Shorten(l.Items, maxListed, maxEmbedDescription/3, func(it reply.Item) string {
		line := "• " + reply.CodeSpan(it.ID)
		if it.Note != "" {
			line += ": " + escape(it.Note)
		}
		return line
	})
}

// cutEscaped is escape(s) in at most n characters, cut before escaping so
// that no escape is split from what it escapes.
func cutEscaped(s string, n int) string {
	for e := escape(s); ; e = escape(s) {
		if utf8.RuneCountInString(e) <= n {
			return e
		}
		s = reply.Cut(s, utf8.RuneCountInString(s)-(utf8.RuneCountInString(e)-n)-1)
	}
}

func components(r reply.Reply) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	for _, btn := range r.Buttons {
		style := discordgo.SecondaryButton
		switch btn.Style {
		case reply.Danger:
			style = discordgo.DangerButton
		case reply.Primary:
			style = discordgo.PrimaryButton
		}
		buttons = append(buttons, discordgo.Button{Label: btn.Label, Style: style, CustomID: reply.Clip(btn.Press.ID(), maxCustomID)})
	}
	if len(buttons) == 0 {
		return []discordgo.MessageComponent{}
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
}
