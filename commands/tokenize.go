package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Tokenize splits a command line into words the way a shell would: spaces
// separate words, single and double quotes group them, and a backslash
// escapes the next character (inside double quotes, only " and \). Chat
// clients turn quotes into typographic ones, so “…” and ‘…’ count as quotes too.
func Tokenize(line string) ([]string, error) {
	if !strings.ContainsAny(line, "\\\"'“”„‘’") && utf8.ValidString(line) {
		// No quote and no backslash: the words are the runs between separators.
		if words := strings.FieldsFunc(line, isSeparator); len(words) > 0 {
			return words, nil
		}
		return nil, nil
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
