package reply

import (
	"fmt"
	"slices"
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
	return ShortenAppend(items, maxItems, budget, func(b []byte, it Item) []byte { return append(b, line(it)...) })
}

// ShortenAppend is Shorten with a line renderer that appends to the text
// being built, so that rendering a long list costs no string per item.
func ShortenAppend(items []Item, maxItems, budget int, appendLine func([]byte, Item) []byte) string {
	return string(AppendShortened(nil, items, maxItems, budget, appendLine))
}

// AppendShortened appends ShortenAppend's text to dst (whose own bytes do
// not count against budget), so that a renderer can put a heading first
// without copying the list.
func AppendShortened(dst []byte, items []Item, maxItems, budget int, appendLine func([]byte, Item) []byte) []byte {
	b := slices.Grow(dst, max(0, min(budget, 64*min(len(items), maxItems)))+32) // a guess: one allocation, not a doubling chain
	used := 0
	for i, it := range items {
		mark := len(b)
		if i > 0 {
			b = append(b, '\n')
		}
		start := len(b)
		b = appendLine(b, it)
		// len("\n…and N more"), written only when it is used
		moreLen := len("\n…and  more") + len(strconv.Itoa(len(items)-i))
		l := b[start:]
		n := utf8.RuneCount(l) + 1
		if i == maxItems || used+n+moreLen > budget {
			b = fmt.Appendf(b[:mark], "\n…and %d more", len(items)-i)
			break
		}
		used += n
	}
	return b
}
