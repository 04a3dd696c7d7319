package commands

import (
	"fmt"
	"strings"
)

// MaxIDs is the most IDs one command may name. Larger requests are refused
// before anything runs; the vendor calls themselves are split into batches
// of INCIDENTBOT_BATCH_SIZE.
const MaxIDs = 200

// An incident, alert or ticket ID matches ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$
// (see validID). IDs end up in URL paths and query strings, so '/', '?',
// '%' and spaces are out, and an ID cannot be "." or "..".

const idRule = "IDs are letters, digits, '.', '_', ':' and '-', start with a letter or digit, and are at most 128 characters"

// splitIDs splits words on commas, drops empty pieces and duplicates (the
// first occurrence keeps its place) and checks each ID. Backticks around an
// ID are dropped: IDs get copied out of code-formatted chat messages,
// including the bot's own.
func splitIDs(words []string) ([]string, error) {
	ids := make([]string, 0, len(words))
	seen := make(map[string]struct{}, len(words))
	for _, w := range words {
		for rest, more := w, true; more; {
			var id string
			id, rest, more = strings.Cut(rest, ",")
			id = strings.Trim(strings.TrimSpace(id), "`")
			if id == "" {
				continue
			}
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			if err := checkID(id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

func checkID(id string) error {
	// "delete inc-1 inc-2." is a sentence, not an ID list.
	if trimmed := strings.TrimRight(id, "."); trimmed != id && validID(trimmed) {
		return fmt.Errorf("%s ends with a period, and IDs do not: if it ends your sentence, leave it out (%s)", quoteShort(id), trimmed)
	}
	if !validID(id) {
		return fmt.Errorf("%s is not a valid ID: %s", quoteShort(id), idRule)
	}
	return nil
}

// validID is idPattern.MatchString without the regexp machinery: it runs
// once per ID on the acknowledgement path (TestValidIDMatchesPattern holds
// the two together).
func validID(id string) bool {
	if len(id) == 0 || len(id) > 128 || !idStart[id[0]] {
		return false
	}
	for i := 1; i < len(id); i++ {
		if !idByte[id[i]] {
			return false
		}
	}
	return true
}

// idStart and idByte are the bytes idPattern allows first and after.
var idStart, idByte = func() (start, rest [256]bool) {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		start[c] = alnum
		rest[c] = alnum || c == '.' || c == '_' || c == ':' || c == '-'
	}
	return start, rest
}()

// quoteShort quotes s for a message, cutting it if it is long.
func quoteShort(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// LooksLikeID says whether a word (backticks and commas aside) is a valid
// ID, for a terminal that wonders whether a line continues an ID list.
func LooksLikeID(w string) bool {
	w = strings.Trim(w, ",`")
	return w != "" && checkID(w) == nil
}
