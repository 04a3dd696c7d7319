package discord

import "strings"

// escape is the one escaping rule for Discord: every text field that can
// carry user input (embed titles and descriptions, list labels and notes,
// a card's status fields; in responses, edits, follow-ups, channel
// messages and the audit channel) goes through it. Outside code spans it
// puts a backslash before the characters Discord's markdown acts on, so
// user text shows as typed: no masked link [x](url), no heading (# big,
// -# small), no spoiler ||x||, no bold, italics or strike-through, no
// quote, no <@id>, <#channel> or <t:…> tag, no @everyone (pings are off
// anyway, with allowed_mentions). Code spans, which the bot makes with
// reply.CodeSpan, are kept: Discord renders nothing inside one, and a
// backslash there would show. A backtick without its pair is escaped, so
// it cannot swallow what follows.
func escape(s string) string {
	if !strings.ContainsAny(s, markdownChars) {
		return s
	}
	spans := strings.Count(s, "`")%2 == 0
	var b strings.Builder
	b.Grow(len(s) + 8)
	inCode, lineStart := false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`' && spans:
			inCode = !inCode
		case inCode:
		case strings.IndexByte(alwaysEscaped, c) >= 0, c == '-' && lineStart:
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		switch c {
		case '\n':
			lineStart = true
		case ' ', '\t':
		default:
			lineStart = false
		}
	}
	return b.String()
}

// alwaysEscaped are escaped wherever they stand outside a code span; '-'
// only where a line starts (a list item, or -# small text).
const (
	alwaysEscaped = "\\*_~|[]#><@`"
	markdownChars = alwaysEscaped + "-"
)
