package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// plainLine reports whether line is valid UTF-8 with no quote and no
// backslash: words between separators, nothing more.
func plainLine(line string) bool {
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			if c == '\\' || c == '"' || c == '\'' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		switch r {
		case utf8.RuneError, '“', '”', '„', '‘', '’':
			if r != utf8.RuneError || size == 1 {
				return false
			}
		}
		i += size
	}
	return true
}

// isSeparator reports whether r separates words.
func isSeparator(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0'
}

// plainWords is Tokenize for a valid line with no quote or backslash: the
// words are the runs between separators, sliced from line without a copy
// (nil when there is none, as Tokenize).
func plainWords(line string) []string {
	var words []string
	start := -1
	for i, r := range line {
		if isSeparator(r) {
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
	}
	if start >= 0 {
		words = append(words, line[start:])
	}
	return words
}

// Tokenize splits a command line into words the way a shell would: spaces
// separate words, single and double quotes group them, and a backslash
// escapes the next character (inside double quotes, only " and \). Chat
// clients turn quotes into typographic ones, so “…” and ‘…’ count as quotes too.
func Tokenize(line string) ([]string, error) {
	if plainLine(line) {
		return plainWords(line), nil
	}
	return tokenizeShell(line)
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
