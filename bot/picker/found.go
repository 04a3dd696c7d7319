package picker

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/commands"
)

// Found are the IDs a message names, by kind, in the order they appear.
type Found struct {
	Incidents []string // SecMaster incidents
	Alerts    []string // SecMaster alerts
	Coralogix []string // Coralogix incidents
	Tickets   []string // COC tickets
}

// Empty says whether no ID was found.
func (f Found) Empty() bool {
	return len(f.Incidents)+len(f.Alerts)+len(f.Coralogix)+len(f.Tickets) == 0
}

// maxPerKind bounds what one message contributes, and maxScan how much of
// it is read: an alert notification names a handful, not thousands.
const (
	maxPerKind = 25
	maxScan    = 64 << 10
)

// Scan finds the incident, alert and ticket IDs in a message's texts (its
// text, and the strings of its blocks, attachments or embeds).
//
// A word is an ID when it is a valid ID with a digit in it and either its
// prefix says what it is (inc-, alert-, cx-, a COC ticket's IM and digits)
// or a word just before it does ("Alert ID: 6e1f…", "Coralogix incident
// 9b2…"); a bare UUID is taken for a SecMaster incident, the bot's main
// vendor. Anything else (a host name, a version) is not an ID.
func Scan(texts ...string) Found {
	var f Found
	budget := maxScan
	for _, t := range texts {
		if budget <= 0 {
			break
		}
		if len(t) > budget {
			t = t[:budget]
		}
		budget -= len(t)
		var recent []string // the last few words, lower case, for labels
		for _, w := range strings.FieldsFunc(t, separator) {
			w = strings.Trim(w, ".:-_")
			lw := strings.ToLower(w)
			if kind := classify(w, lw, recent); kind != "" {
				f.add(kind, w)
			}
			recent = append(recent, lw)
			if len(recent) > 3 {
				recent = recent[1:]
			}
		}
	}
	return f
}

// separator splits a message into words: anything an ID cannot hold
// (URL slashes and query marks, brackets, quotes, markdown).
func separator(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	case r == '-' || r == '_' || r == '.' || r == ':':
		return false
	}
	return true
}

func classify(w, lw string, recent []string) commands.IDKind {
	if !commands.LooksLikeID(w) || !strings.ContainsAny(w, "0123456789") || len(w) < 4 {
		return ""
	}
	switch {
	case strings.HasPrefix(lw, "inc-") || strings.HasPrefix(lw, "incident-"):
		return commands.SecMasterIncident
	case strings.HasPrefix(lw, "alert-") || strings.HasPrefix(lw, "alarm-"):
		return commands.SecMasterAlert
	case strings.HasPrefix(lw, "cx-"):
		return commands.CoralogixIncident
	case isTicket(w):
		return commands.COCTicket
	}
	label := labelled(recent)
	if isUUID(lw) {
		if label == "" {
			return commands.SecMasterIncident
		}
		return label
	}
	return label
}

// labelled is the kind the words just before an ID name, or "".
func labelled(recent []string) commands.IDKind {
	for i := len(recent) - 1; i >= 0; i-- {
		switch w := strings.TrimRight(recent[i], ":"); w {
		case "alert", "alerts", "alarm":
			return commands.SecMasterAlert
		case "ticket", "tickets":
			return commands.COCTicket
		case "coralogix":
			return commands.CoralogixIncident
		case "incident", "incidents":
			if i > 0 && strings.TrimRight(recent[i-1], ":") == "coralogix" {
				return commands.CoralogixIncident
			}
			return commands.SecMasterIncident
		}
	}
	return ""
}

// isTicket: COC ticket numbers are IM followed by at least ten digits.
func isTicket(w string) bool {
	if len(w) < 12 || w[:2] != "IM" {
		return false
	}
	for _, c := range w[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func (f *Found) add(kind commands.IDKind, id string) {
	var list *[]string
	switch kind {
	case commands.SecMasterIncident:
		list = &f.Incidents
	case commands.SecMasterAlert:
		list = &f.Alerts
	case commands.CoralogixIncident:
		list = &f.Coralogix
	case commands.COCTicket:
		list = &f.Tickets
	default:
		return
	}
	if len(*list) < maxPerKind && !contains(*list, id) {
		*list = append(*list, id)
	}
}

// Strings collects the texts of a JSON document (Slack blocks and
// attachments, Discord embeds): every string value, except those of keys
// that only name machinery (types, styles, colours, action IDs).
func Strings(raw []byte) []string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case string:
			if !machinery[key] {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(k, x[k])
			}
		}
	}
	walk("", v)
	return out
}

var machinery = map[string]bool{"type": true, "style": true, "color": true, "action_id": true, "block_id": true,
	"ts": true, "bot_id": true, "app_id": true, "team": true, "user": true, "image_url": true, "icon_url": true,
	"proxy_url": true, "proxy_icon_url": true, "emoji": true, "custom_id": true}

// Of are the IDs found of kind.
func (f Found) Of(kind commands.IDKind) []string {
	switch kind {
	case commands.SecMasterIncident:
		return f.Incidents
	case commands.SecMasterAlert:
		return f.Alerts
	case commands.CoralogixIncident:
		return f.Coralogix
	case commands.COCTicket:
		return f.Tickets
	}
	return nil
}
