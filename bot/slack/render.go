package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

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
// Slack reads it as mrkdwn (notifications, and clients without blocks), so
// it is escaped like every other text field: no <!channel>, no <url|label>.
func fallback(r reply.Reply) string {
	return cutEscaped(r.Title, maxSectionText)
}

// Blocks renders a reply as Block Kit within Slack's limits.
func Blocks(r reply.Reply) []slack.Block {
	laid := layout(r)
	blocks := make([]slack.Block, len(laid))
	for i, b := range laid {
		switch b.kind {
		case sectionBlock:
			blocks[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, b.text, false, false), nil, nil, slack.SectionBlockOptionBlockID(b.id))
		case actionsBlock:
			buttons := make([]slack.BlockElement, len(b.buttons))
			for j, x := range b.buttons {
				btn := slack.NewButtonBlockElement(x.actionID, x.value, slack.NewTextBlockObject(slack.PlainTextType, x.label, false, false))
				btn.Style = x.style
				buttons[j] = btn
			}
			blocks[i] = slack.NewActionBlock(b.id, buttons...)
		case contextBlock:
			blocks[i] = slack.NewContextBlock(b.id, slack.NewTextBlockObject(slack.MarkdownType, b.text, false, false))
		}
	}
	return blocks
}

// blockKind is the kind of a laid-out block.
type blockKind uint8

const (
	sectionBlock blockKind = iota // a mrkdwn section
	actionsBlock                  // the buttons
	contextBlock                  // the footer
)

// block is one Block Kit block, laid out and within Slack's limits: what
// Blocks turns into slack-go's types for Web API calls, and appendAck
// writes as JSON for the acknowledgement, so the two cannot differ.
type block struct {
	kind    blockKind
	id      string
	text    string // section or context: mrkdwn, already escaped and cut
	buttons []button
}

type button struct {
	actionID, value, label string
	style                  slack.Style
}

// layout is a reply's blocks within Slack's limits.
func layout(r reply.Reply) []block {
	n := 1 + len(r.Lists)
	if len(r.Lines) > 0 {
		n++
	}
	if r.Code != "" {
		n++
	}
	if len(r.Buttons) > 0 {
		n++
	}
	if r.Footer != "" {
		n++
	}
	blocks := make([]block, 0, n)
	section := func(id, text string) {
		blocks = append(blocks, block{kind: sectionBlock, id: id, text: reply.Cut(text, maxSectionText)})
	}
	head := toneEmoji[r.Tone] + " *"
	section(blockTitle, head+cutEscaped(r.Title, maxSectionText-utf8.RuneCountInString(head)-1)+"*")
	if len(r.Lines) > 0 {
		section(blockLines, joinEscaped(r.Lines))
	}
	for i, l := range r.Lists {
		section(listID(i), listText(l))
	}
	if r.Code != "" {
		section(blockCode, "```"+cutEscaped(r.Code, maxSectionText-6)+"```")
	}
	if len(r.Buttons) > 0 {
		buttons := make([]button, len(r.Buttons))
		for i, b := range r.Buttons {
			buttons[i] = button{actionID: reply.Clip(b.Press.ID(), maxActionID), value: reply.Clip(b.Press.Value, maxButtonValue), label: b.Label}
			switch b.Style {
			case reply.Danger:
				buttons[i].style = slack.StyleDanger
			case reply.Primary:
				buttons[i].style = slack.StylePrimary
			}
		}
		blocks = append(blocks, block{kind: actionsBlock, id: blockButtons, buttons: buttons})
	}
	if r.Footer != "" {
		blocks = append(blocks, block{kind: contextBlock, id: blockFooter, text: cutEscaped(r.Footer, maxSectionText)})
	}
	if len(blocks) > maxBlocks { // cannot happen with today's replies; keep the buttons if it ever does
		blocks = append(blocks[:maxBlocks-1], blocks[len(blocks)-1])
	}
	return blocks
}

var listIDs = [...]string{"list-0", "list-1", "list-2", "list-3"}

func listID(i int) string {
	if i < len(listIDs) {
		return listIDs[i]
	}
	return "list-" + strconv.Itoa(i)
}

// joinEscaped is the lines escaped, one per line.
func joinEscaped(lines []string) string {
	if len(lines) == 1 {
		return escape(lines[0])
	}
	n := len(lines) - 1
	for _, l := range lines {
		n += len(l)
	}
	var b strings.Builder
	b.Grow(n)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeEscaped(&b, l)
	}
	return b.String()
}

// listText renders a list as bullet lines, shortened with "and N more" to
// maxListed items and to the section limit.
func listText(l reply.List) string {
	label := escape(l.Label)
	budget := maxSectionText - len(label) - 3 // "*label*\n"
	// One buffer, heading first: the capacity AppendShortened would grow to.
	b := make([]byte, 0, len(label)+3+max(0, min(budget, 64*min(len(l.Items), maxListed)))+32)
	b = append(append(append(b, '*'), label...), "*\n"...)
	b = reply.AppendShortened(b, l.Items, maxListed, budget, appendListLine)
	return string(b)
}

// appendListLine appends listLine(it) to b, without a string for the
// usual line (an ID with nothing to escape).
func appendListLine(b []byte, it reply.Item) []byte {
	if it.Note == "" && plainCode(it.ID) {
		b = append(b, "• `"...)
		b = append(b, it.ID...)
		return append(b, '`')
	}
	return append(b, listLine(it)...)
}

// plainCode reports whether s has none of "`&<>" (strings.ContainsAny
// builds its byte set on every call): s is shown as it is in a code span.
func plainCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if notPlainCode[s[i]] {
			return false
		}
	}
	return true
}

var notPlainCode = [256]bool{'`': true, '&': true, '<': true, '>': true}

// listLine is one item of a list: "• `ID`: note", escaped.
func listLine(it reply.Item) string {
	if it.Note == "" && !strings.ContainsAny(it.ID, "`&<>") {
		return "• `" + it.ID + "`" // what escape(reply.CodeSpan(it.ID)) gives
	}
	line := "• " + escape(reply.CodeSpan(it.ID))
	if it.Note != "" {
		line += ": " + escape(it.Note)
	}
	return line
}

// escape is the one escaping rule for Slack: every text field that can
// carry user input (the top-level text, section and context blocks, card
// status lines; in acks, response_url posts, chat.postMessage,
// chat.postEphemeral, chat.update and the audit channel) goes through it.
// Escaping &, < and > makes user text inert in mrkdwn: no <!channel> or
// <!here>, no <@U…> mention, no <url|label> link.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return escaper.Replace(s)
}

// cutEscaped is escape(s) in at most n characters: when it must be cut, it
// is cut before escaping, so no "&lt;" is ever split into "&l…".
func cutEscaped(s string, n int) string {
	e := escape(s)
	if utf8.RuneCountInString(e) <= n {
		return e
	}
	used := 0
	for i, r := range s {
		w := 1
		switch r {
		case '&':
			w = len("&amp;")
		case '<', '>':
			w = len("&lt;")
		}
		if used+w > n-1 {
			return escape(s[:i]) + "…"
		}
		used += w
	}
	return e
}

// writeEscaped writes escape(s) to b.
func writeEscaped(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, "&<>") {
		b.WriteString(s)
		return
	}
	_, _ = escaper.WriteString(b, s)
}

// The replacers are built once: strings.NewReplacer builds its tables on
// first use, which is most of the cost of a call.
var (
	escaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)
