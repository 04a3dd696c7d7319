package reply

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cut shortens s to at most n characters, marking the cut with "…".
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Clip shortens an identifier to at most n bytes without splitting a
// character; identifiers get no ellipsis.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CodeSpan makes s safe inside a `code span` on every platform: a backtick
// in an ID would end the span and let the rest render as markup.
func CodeSpan(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// Shorten renders a list's items with line, one per line, stopping before
// maxItems items or before the text would pass budget characters, and then
// says how many were left out ("…and 12 more"). Every renderer shortens
// with it, so a long list reads the same on every platform.
func Shorten(items []Item, maxItems, budget int, line func(Item) string) string {
	var b strings.Builder
	b.Grow(max(0, min(budget, 64*min(len(items), maxItems))) + 32) // a guess: one allocation, not a doubling chain
	used := 0
	for i, it := range items {
		l := line(it)
		// len("\n…and N more"), written only when it is used
		moreLen := len("\n…and  more") + len(strconv.Itoa(len(items)-i))
		n := utf8.RuneCountInString(l) + 1
		if i == maxItems || used+n+moreLen > budget {
			fmt.Fprintf(&b, "\n…and %d more", len(items)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		used += n
	}
	return b.String()
}
