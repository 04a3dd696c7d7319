// Package picker answers "which IDs could go here?" for every front end:
// the choices for a verb's ID argument given what the responder has typed
// (Discord autocomplete, Slack external selects, Tab on the terminal), and
// the IDs named in a message (the "act on this message" shortcuts).
//
// Choices come from the vendors' lists through the caching, bounded
// lookup reader, and are answered within a bound whatever the vendor
// does: a fresh list when it comes in time, else the last good one, else
// none. Nobody the access policy does not allow the verb gets a choice,
// and for them no vendor is read.
package picker

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// Reader is what the picker needs of the vendors: their lists (the
// lookup reader satisfies it).
type Reader interface {
	ListSecMaster(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	ListLinkedAlerts(ctx context.Context, incidentID string, q vendors.ListQuery) (vendors.Page[vendors.Alert], error)
	ListCoralogix(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error)
	ListTickets(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Ticket], error)
}

// Who is the person asking for choices, and where.
type Who struct {
	Caller  commands.Caller
	Roles   []string
	Channel string
}

// Allowed says whether the access policy lets who request verb. The bot's
// MayRequest is one.
type Allowed func(ctx context.Context, who Who, verb string) bool

// Config configures a Picker.
type Config struct {
	Reader  Reader
	Allowed Allowed // nil: everyone may
	// Wait is the longest a question waits for a fresh list before it is
	// answered from the last good one (or with none); 1.5 s by default,
	// which leaves Discord's and Slack's 3 s room for the rest.
	Wait time.Duration
	// Keep is how long a good list is kept to answer from when the vendor
	// is slow; 10 minutes by default.
	Keep time.Duration
	Now  func() time.Time
}

// Picker answers choices. It is safe for concurrent use.
type Picker struct {
	cfg   Config
	lists *lists
}

// New returns a Picker over cfg.Reader.
func New(cfg Config) *Picker {
	if cfg.Wait <= 0 {
		cfg.Wait = 1500 * time.Millisecond
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Picker{cfg: cfg, lists: newLists(cfg.Reader, cfg.Keep)}
}

// Limits are a platform's bounds on its choices.
type Limits struct {
	Count int // how many choices at most
	Name  int // characters of a choice's label
	Value int // characters of a choice's value
}

// The platforms' limits.
var (
	// Discord: 25 choices, name and value 1..100 characters.
	Discord = Limits{Count: 25, Name: 100, Value: 100}
	// Slack external selects: 100 options, text 75, value 150.
	Slack = Limits{Count: 100, Name: 75, Value: 150}
	// Terminal: Tab completion.
	Terminal = Limits{Count: 100, Name: 200, Value: 200}
)

// Query asks for the choices of one argument of one verb.
type Query struct {
	Who   Who
	Verb  string
	Arg   string // the argument's name: "ids", "incident", "alerts", "ticket"
	Typed string // what the responder has typed so far in it
	// Values are the verb's other arguments as chosen so far (the
	// "incident" whose alerts "alerts" offers).
	Values map[string]string
	Limits Limits
	// List completes the last ID of a typed list and keeps the earlier
	// ones in each choice's value (Discord's text options). Without it,
	// Typed is one filter (Slack's selects, one ID per option).
	List bool
}

// Choice is one offered ID.
type Choice struct {
	Name  string // what the responder reads: title, severity, short ID
	Value string // what is filled in: the ID (after the earlier ones, for a list)
	ID    string
}

// Item is one object a list offers, in neutral terms.
type Item struct {
	ID, Title, Severity, Status string
}

// Choices answers q. It returns nil, without reading any vendor, for an
// argument that takes no IDs, for someone not allowed the verb, and when
// nothing matches or the vendor has no answer in time.
func (p *Picker) Choices(ctx context.Context, q Query) []Choice {
	if p == nil {
		return nil
	}
	v, ok := commands.Lookup(strings.ToLower(q.Verb))
	if !ok {
		return nil
	}
	a := v.Arg(q.Arg)
	if a == nil || a.IDs == "" || !p.Allows(ctx, q.Who, v.Name) {
		return nil
	}
	if q.Limits.Count <= 0 {
		q.Limits = Terminal
	}
	var earlier []string
	filter := strings.TrimSpace(q.Typed)
	if q.List && a.Many {
		earlier, filter = splitLast(q.Typed)
	}
	scope := ""
	if a.IDs == commands.SecMasterAlert {
		scope = strings.Trim(strings.TrimSpace(q.Values["incident"]), "`")
		if !commands.LooksLikeID(scope) {
			return nil // the alerts of which incident? choose it first
		}
	}
	items := p.lists.get(ctx, a.IDs, scope, p.cfg.Wait)
	return pick(items, earlier, filter, q.Limits)
}

// Allows says whether who may request verb (true without a policy check).
func (p *Picker) Allows(ctx context.Context, who Who, verb string) bool {
	return p.cfg.Allowed == nil || p.cfg.Allowed(ctx, who, verb)
}

// Enabled says whether the picker can offer anything (it has a reader).
func (p *Picker) Enabled() bool { return p != nil && p.cfg.Reader != nil }

// pick filters items by filter (in the ID or the title, any case), drops
// those already chosen, and formats at most lim.Count of them: those whose
// ID starts with the filter first, then the vendor's order (newest first).
func pick(items []Item, earlier []string, filter string, lim Limits) []Choice {
	f := strings.ToLower(filter)
	prefix := strings.Join(earlier, " ")
	if prefix != "" {
		prefix += " "
	}
	var first, rest []Choice
	for _, it := range items {
		if !commands.LooksLikeID(it.ID) || strings.ContainsAny(it.ID, ",`") {
			// No ID, or one the command would refuse (a space makes two):
			// an empty value spoils Discord's whole answer.
			continue
		}
		id := strings.ToLower(it.ID)
		if f != "" && !strings.Contains(id, f) && !strings.Contains(strings.ToLower(it.Title), f) {
			continue
		}
		if contains(earlier, it.ID) {
			continue
		}
		value := prefix + it.ID
		if utf8.RuneCountInString(value) > lim.Value {
			// The earlier IDs and this one do not fit in a value: offering
			// it would drop them. The typed text stands as typed.
			continue
		}
		c := Choice{Name: Label(it, len(earlier), lim.Name), Value: value, ID: it.ID}
		if f != "" && strings.HasPrefix(id, f) {
			first = append(first, c)
		} else {
			rest = append(rest, c)
		}
	}
	out := append(first, rest...)
	if len(out) > lim.Count {
		out = out[:lim.Count]
	}
	return out
}

func contains(list []string, id string) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// splitLast splits a typed list into the IDs before the last one and the
// last one (possibly partial, possibly empty after a separator).
func splitLast(typed string) ([]string, string) {
	fields := strings.FieldsFunc(typed, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' })
	endsWithSep := typed != "" && strings.ContainsRune(" ,\n\t", rune(typed[len(typed)-1]))
	if len(fields) == 0 {
		return nil, ""
	}
	if endsWithSep {
		return clean(fields), ""
	}
	return clean(fields[:len(fields)-1]), strings.Trim(fields[len(fields)-1], "`")
}

func clean(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.Trim(id, "`"); id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Label is what a responder reads for an item: its title, severity and a
// short ID, at most max characters (the title is what gets cut). earlier,
// when several IDs are already chosen, is counted in front ("+2 ").
func Label(it Item, earlier, max int) string {
	tail := ""
	if sev := visible(it.Severity); sev != "" {
		tail += " · " + Short(sev, 16)
	}
	tail += " · " + Short(it.ID, 13)
	head := ""
	if earlier > 0 {
		head = "+" + itoa(earlier) + " "
	}
	title := strings.Join(strings.Fields(visible(it.Title)), " ")
	if title == "" {
		title = "(no title)"
	}
	room := max - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	if room < 8 { // a long ID on a narrow platform: the ID alone
		return Short(it.ID, max)
	}
	return head + Short(title, room) + tail
}

// visible drops the invisible format characters (bidi overrides and
// isolates, zero-width marks) and control characters from a vendor's text:
// a right-to-left override in a title would turn the short ID after it
// around, so that a label shows another ID than the one it fills in.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || (unicode.IsControl(r) && !unicode.IsSpace(r)) {
			return -1
		}
		return r
	}, s)
}

// Short cuts s to at most n characters, ending with "…" when cut.
func Short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
