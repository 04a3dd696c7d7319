package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// plainWords is Tokenize for a valid line with no quote and no backslash:
// the words are the runs between separators, sliced from line without a
// copy (nil when there is none, as Tokenize). ok is false for any other
// line, which takes the general case.
func plainWords(line string) (words []string, ok bool) {
	start := -1
	for i := 0; i < len(line); {
		// Inside a word, eight plain bytes at a time (an ID is a run of
		// them): printable ASCII other than a quote or a backslash.
		if start >= 0 {
			for i+8 <= len(line) {
				w := line[i : i+8]
				if !plain8(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
					uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56) {
					break
				}
				i += 8
			}
			if i >= len(line) {
				break
			}
		}
		c := line[i]
		size := 1
		sep := false
		if c < utf8.RuneSelf {
			switch c {
			case '\\', '"', '\'':
				return nil, false
			case ' ', '\t', '\n', '\r':
				sep = true
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(line[i:])
			switch r {
			case '“', '”', '„', '‘', '’':
				return nil, false
			case utf8.RuneError:
				if size == 1 {
					return nil, false
				}
			case '\u00a0':
				sep = true
			}
		}
		if sep {
			if start >= 0 {
				if words == nil {
					words = make([]string, 0, 1+strings.Count(line[i:], " "))
				}
				words = append(words, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		words = append(words, line[start:])
	}
	return words, true
}

// plain8 reports whether the 8 bytes of x (little-endian) are all
// ASCII from 0x21 up and none is ' " or \\: bytes that are
// part of a word whatever surrounds them. A byte b below n sets its high
// bit in (b - n) &^ b, with no borrow from a lower byte that is not.
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	dq, sq, bs := x^('"'*ones), x^('\''*ones), x^('\\'*ones)
	bad := x | (x-0x21*ones)&^x | (dq-ones)&^dq | (sq-ones)&^sq | (bs-ones)&^bs
	return bad&highs == 0
}

// Tokenize splits a command line into words the way a shell would: spaces
// separate words, single and double quotes group them, and a backslash
// escapes the next character (inside double quotes, only " and \). Chat
// clients turn quotes into typographic ones, so “…” and ‘…’ count as quotes too.
func Tokenize(line string) ([]string, error) {
	if words, ok := plainWords(line); ok {
		return words, nil
	}
	return tokenizeShell(line)
}

// isSeparator reports whether r separates words.
func isSeparator(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0'
}

// tokenizeShell is Tokenize's general case, for any line.
func tokenizeShell(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune // closing quote we are inside, or 0
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote != 0:
			switch {
			case r == quote:
				quote = 0
			case r == '\\' && quote == '"':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == '“' || r == '”' || r == '„':
			quote, inWord = '”', true
		case r == '‘' || r == '’':
			quote, inWord = '’', true
		case isSeparator(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quote (%c) is never closed", quote)
	}
	if escaped {
		return nil, fmt.Errorf("the line ends with a lone backslash")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
