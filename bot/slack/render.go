package slack

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// Block Kit limits (https://api.slack.com/reference/block-kit).
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxButtonValue = 2000
	maxActionID    = 255
	maxListed      = 30 // items shown before "and N more"
)

// Block IDs, named so tests and handlers agree on them.
const (
	blockTitle   = "title"
	blockLines   = "lines"
	blockCode    = "usage"
	blockButtons = "buttons"
	blockFooter  = "footer"
)

var toneEmoji = map[reply.Tone]string{
	reply.Info: ":information_source:", reply.Success: ":white_check_mark:", reply.Warning: ":warning:", reply.Failure: ":x:",
}

// message renders a reply as a response_url / slash-command answer.
func message(r reply.Reply) *slack.WebhookMessage {
	blocks := Blocks(r)
	m := &slack.WebhookMessage{Text: fallback(r), Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral}
	if r.Public {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	return m
}

// replaceWith renders a reply that replaces the message it answers.
func replaceWith(r reply.Reply) *slack.WebhookMessage {
	m := message(r)
	m.ResponseType = ""
	m.ReplaceOriginal = true
	return m
}

// fallback is the notification text for clients that show no blocks.
func fallback(r reply.Reply) string {
	return reply.Cut(r.Title, maxSectionText)
}

// Blocks renders a reply as Block Kit within Slack's limits.
func Blocks(r reply.Reply) []slack.Block {
	var blocks []slack.Block
	section := func(id, text string) {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, reply.Cut(text, maxSectionText), false, false), nil, nil, slack.SectionBlockOptionBlockID(id)))
	}
	section(blockTitle, toneEmoji[r.Tone]+" *"+escape(r.Title)+"*")
	if len(r.Lines) > 0 {
		var lines []string
		for _, l := range r.Lines {
			lines = append(lines, escape(l))
		}
		section(blockLines, strings.Join(lines, "\n"))
	}
	for i, l := range r.Lists {
		section(fmt.Sprintf("list-%d", i), listText(l))
	}
	if r.Code != "" {
		section(blockCode, "```"+reply.Cut(escape(r.Code), maxSectionText-6)+"```")
	}
	var buttons []slack.BlockElement
	for _, b := range r.Buttons {
		btn := slack.NewButtonBlockElement(reply.Clip(b.Press.ID(), maxActionID), reply.Clip(b.Press.Value, maxButtonValue), slack.NewTextBlockObject(slack.PlainTextType, b.Label, false, false))
		switch b.Style {
		case reply.Danger:
			btn.Style = slack.StyleDanger
		case reply.Primary:
			btn.Style = slack.StylePrimary
		}
		buttons = append(buttons, btn)
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockButtons, buttons...))
	}
	if r.Footer != "" {
		blocks = append(blocks, slack.NewContextBlock(blockFooter, slack.NewTextBlockObject(slack.MarkdownType, reply.Cut(escape(r.Footer), maxSectionText), false, false)))
	}
	if len(blocks) > maxBlocks { // cannot happen with today's replies; keep the buttons if it ever does
		blocks = append(blocks[:maxBlocks-1], blocks[len(blocks)-1])
	}
	return blocks
}

// listText renders a list as bullet lines, shortened with "and N more" to
// maxListed items and to the section limit.
func listText(l reply.List) string {
	head := "*" + escape(l.Label) + "*"
	return head + "\n" + reply.Shorten(l.Items, maxListed, maxSectionText-len(head)-1, func(it reply.Item) string {
		line := "• " + escape(reply.CodeSpan(it.ID))
		if it.Note != "" {
			line += ": " + escape(it.Note)
		}
		return line
	})
}

// escape makes user text inert in mrkdwn: no links, no @channel pings.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
