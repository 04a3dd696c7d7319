package commands

import (
	"fmt"
	"strings"
)

// Tokenize splits a command line into words the way a shell would: spaces
// separate words, single and double quotes group them, and a backslash
// escapes the next character (inside double quotes, only " and \). Chat
// clients turn quotes into typographic ones, so “…” and ‘…’ count as quotes too.
func Tokenize(line string) ([]string, error) {
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
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0':
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
