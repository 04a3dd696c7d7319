package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// distance is the Levenshtein edit distance between a and b, counting an
// adjacent swap ("delte" -> "delete" is 1, "dleete" is 1) as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// closest returns the candidate nearest to s, if it is near enough to be a
// typo: at most 2 edits, and fewer than half of s's characters.
func closest(s string, candidates []string) (string, bool) {
	s = strings.ToLower(s)
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD*2 >= max(utf8.RuneCountInString(s), 2) {
		return "", false
	}
	return best, true
}

// unknownVerb is the mistake of a first word that names no verb: a
// suggestion when it is a typo of one, with that verb's usage only (the
// line that matters, not every verb's), a hint when it looks like an ID
// (the rest of a list that was pasted over several lines), else every
// verb's usage.
func unknownVerb(word string) *UsageError {
	var names []string
	for _, v := range allVerbs {
		names = append(names, v.Name)
	}
	problem := fmt.Sprintf("%s is not a command I know.", quoteShort(word))
	if best, ok := closest(word, names); ok {
		v := lookup(best)
		usage := v.synopsis()
		if len(v.Options) > 0 {
			usage += "\n(/incident help " + v.Name + " shows its options)"
		}
		return &UsageError{Problem: problem + fmt.Sprintf(" Did you mean %s?", best), Usage: usage}
	}
	if checkID(strings.Trim(word, ",`")) == nil && strings.ContainsAny(word, "0123456789") {
		problem += " It looks like an ID: start the line with the command, as in delete " + strings.Trim(word, ",`") + " …, and keep all its IDs on that line (a line ending in a comma continues on the next, on the terminal)."
	}
	return &UsageError{Problem: problem, Usage: overview()}
}

// dashes turns the long dashes chat clients and word processors type for
// "--" (an em dash "—", an en dash "–") back into "--" at the start of a
// word: "—title" is --title, and "—" alone is "--".
func dashes(w string) string {
	if w == "" || w[0] != 0xe2 { // each dash below is encoded 0xe2 ...
		return w
	}
	for _, d := range []string{"—", "–", "−"} {
		if rest, ok := strings.CutPrefix(w, d); ok {
			return "--" + strings.TrimLeft(rest, "-")
		}
	}
	return w
}
