package commands

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxIDs is the most IDs one command may name. Larger requests are refused
// before anything runs; the vendor calls themselves are split into batches
// of INCIDENTBOT_BATCH_SIZE.
const MaxIDs = 200

// idPattern is what an incident, alert or ticket ID may look like. IDs end
// up in URL paths and query strings, so '/', '?', '%' and spaces are out,
// and an ID cannot be "." or "..".
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

const idRule = "IDs are letters, digits, '.', '_', ':' and '-', start with a letter or digit, and are at most 128 characters"

// splitIDs splits words on commas, drops empty pieces and duplicates (the
// first occurrence keeps its place) and checks each ID. Backticks around an
// ID are dropped: IDs get copied out of code-formatted chat messages,
// including the bot's own.
func splitIDs(words []string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, w := range words {
		for _, id := range strings.Split(w, ",") {
			id = strings.Trim(strings.TrimSpace(id), "`")
			if id == "" || seen[id] {
				continue
			}
			if err := checkID(id); err != nil {
				return nil, err
			}
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func checkID(id string) error {
	// "delete inc-1 inc-2." is a sentence, not an ID list.
	if trimmed := strings.TrimRight(id, "."); trimmed != id && idPattern.MatchString(trimmed) {
		return fmt.Errorf("%s ends with a period, and IDs do not: if it ends your sentence, leave it out (%s)", quoteShort(id), trimmed)
	}
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%s is not a valid ID: %s", quoteShort(id), idRule)
	}
	return nil
}

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
