// Package jsonstr appends strings as JSON, byte for byte as encoding/json
// writes them, without its reflection, for Slack's hand-written
// acknowledgements (bot/slack/ack.go: measured to pay, see README's
// Performance section).
package jsonstr

import "unicode/utf8"

// Flavor says which standard library writer to match.
type Flavor struct {
	// HTML escapes <, > and & as \u003c, \u003e, \u0026 (encoding/json's
	// default; slog turns it off).
	HTML bool
	// ShortBF writes \b and \f as two-byte escapes, as encoding/json
	// does; slog's own string writer writes \u0008 and \u000c.
	ShortBF bool
}

// Marshaled is encoding/json.Marshal's flavour, the one in use.
var Marshaled = Flavor{HTML: true, ShortBF: true}

const lowerHex = "0123456789abcdef"

// safe marks, per flavour, the ASCII bytes written as they are.
var safe, safeHTML = func() (plain, html [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		plain[b] = b != '"' && b != '\\'
		html[b] = plain[b] && b != '<' && b != '>' && b != '&'
	}
	return plain, html
}()

// Append appends s quoted: \" \\ \n \r \t, other control bytes as \u00XX
// (\b and \f short with ShortBF), invalid UTF-8 as \ufffd, U+2028 and
// U+2029 escaped, and with HTML <, > and & escaped.
func Append(dst []byte, s string, f Flavor) []byte {
	table := &safe
	if f.HTML {
		table = &safeHTML
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight plain ASCII bytes at a time: the usual string (an ID, a
		// name, a line of a reply) has nothing to escape.
		for i+8 <= len(s) && plain8(load8(s, i), f.HTML) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			if table[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch {
			case b == '\\' || b == '"':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case f.ShortBF && b == '\b':
				dst = append(dst, '\\', 'b')
			case f.ShortBF && b == '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[b>>4], lowerHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// load8 reads s[i:i+8] as a little-endian word.
func load8(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plain8 reports whether the 8 bytes of x are all written as they are:
// ASCII, none a control byte, '"' or '\\' (nor '<', '>', '&' with html).
// A byte b equal to n makes (b^n) - 1 borrow into its high bit; a byte
// below 0x20 does the same for b - 0x20.
func plain8(x uint64, html bool) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^('"'*ones), x^('\\'*ones)
	bad := x | (x-0x20*ones)&^x | (q-ones)&^q | (bs-ones)&^bs
	if html {
		lt, gt, amp := x^('<'*ones), x^('>'*ones), x^('&'*ones)
		bad |= (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
	}
	return bad&highs == 0
}
