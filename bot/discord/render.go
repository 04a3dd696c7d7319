package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/reply"
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
		b.WriteString(l + "\n")
	}
	for _, l := range r.Lists {
		b.WriteString("\n" + listText(l) + "\n")
	}
	if r.Code != "" {
		b.WriteString("```\n" + strings.ReplaceAll(r.Code, "```", "'''") + "\n```")
	}
	e := &discordgo.MessageEmbed{Title: cut(r.Title, maxEmbedTitle), Description: cut(strings.TrimSpace(b.String()), maxEmbedDescription), Color: toneColour[r.Tone]}
	if r.Footer != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: cut(r.Footer, maxFooter)}
	}
	return e
}

func listText(l reply.List) string {
	var b strings.Builder
	b.WriteString("**" + l.Label + "**")
	for i, item := range l.Items {
		if i == maxListed {
			fmt.Fprintf(&b, "\n…and %d more", len(l.Items)-i)
			break
		}
		id, reason, hasReason := strings.Cut(item, ": ")
		if hasReason {
			fmt.Fprintf(&b, "\n• `%s`: %s", id, reason)
		} else {
			fmt.Fprintf(&b, "\n• `%s`", item)
		}
	}
	return b.String()
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
		buttons = append(buttons, discordgo.Button{Label: btn.Label, Style: style, CustomID: clip(string(btn.Action)+":"+btn.Value, maxCustomID)})
	}
	if len(buttons) == 0 {
		return []discordgo.MessageComponent{}
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
