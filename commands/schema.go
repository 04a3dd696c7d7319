package commands

import (
	"slices"
	"strings"
)

// Verb describes one /incident verb: its words, its options with their
// labels, limits and choices, whether it is destructive, which vendor it
// needs, and which fields a chat form asks for. It is the one place a verb
// is written: parsing, help, usage, the Discord command, both platforms'
// forms and the "not configured" answer all come from it. Values returned
// by Verbs are shared: read them, do not change them.
type Verb struct {
	Name     string
	Summary  string // one line, at most 100 characters (Discord's limit)
	Details  []string
	Args     []Arg // positional arguments, in order
	Options  []Option
	Examples []string
	// Vendor is the vendor the verb calls; empty for verbs that call none
	// (help), which run inline.
	Vendor      string
	Destructive bool
	// Form lists the options a chat form asks for, in order; empty when the
	// verb has no form. Options not listed are left to the typed command.
	Form []string
	// FormTitle heads the form, followed by the object it is about (at
	// most 24 characters with it: Slack's limit).
	FormTitle string
	// Informational verbs change nothing and tell a user what they may do
	// (help, whoami): the access policy never refuses them.
	Informational bool
	// Public verbs answer the same text to anyone, in the acknowledgement
	// alone, and change nothing (help): the bot does not check them for
	// replays (a replay gets what any request gets) and audits them at
	// debug level only.
	Public bool

	build func(r *Registry, in args, c Caller) (Action, error)
}

// Arg is a positional argument.
type Arg struct {
	Name        string // "ids"; also the Discord option name
	Placeholder string // "INCIDENT_ID..." in usage
	Description string // at most 100 characters
	Many        bool   // a list of IDs, separated by spaces or commas
	Required    bool
	MaxLen      int      // in characters
	Choices     []Choice // fixed values, if any
	// Continues names the list argument this one continues, for chat
	// options too short for the whole list ("more_ids" continues "ids").
	// Usage does not show it: typed, it is more of the same words.
	Continues string
	// IDs is the kind of ID the argument takes, when it takes vendor IDs:
	// chat platforms then offer the vendor's objects as choices.
	IDs IDKind
}

// IDKind names what an ID argument refers to, and so where its choices
// come from.
type IDKind string

// The kinds of ID the verbs take.
const (
	SecMasterIncident IDKind = "secmaster-incident"
	SecMasterAlert    IDKind = "secmaster-alert" // linked to the verb's "incident"
	CoralogixIncident IDKind = "coralogix-incident"
	COCTicket         IDKind = "coc-ticket"
)

// Arg returns the named argument, or nil.
func (v *Verb) Arg(name string) *Arg {
	for i := range v.Args {
		if v.Args[i].Name == name {
			return &v.Args[i]
		}
	}
	return nil
}

// Option is a --option of a verb.
type Option struct {
	Name        string // without dashes
	Placeholder string // "TEXT" in usage; empty for a switch (--pass)
	Help        string // at most 100 characters
	Label       string // a form's label for it, at most 45 characters
	Hint        string // a form's placeholder text, at most 100 characters
	Required    bool
	Long        bool // multi-line text in a form
	MaxLen      int  // in characters; 0 means DefaultMaxLen
	choices     *choices
}

// DefaultMaxLen is the limit of an option that sets none.
const DefaultMaxLen = 255

// Switch reports whether the option takes no value (--pass).
func (o Option) Switch() bool { return o.Placeholder == "" }

// Limit is the option's length limit in characters.
func (o Option) Limit() int {
	if o.MaxLen == 0 {
		return DefaultMaxLen
	}
	return o.MaxLen
}

// Choices are the option's fixed values, or nil when it takes free text.
func (o Option) Choices() []Choice {
	if o.choices == nil {
		return nil
	}
	return o.choices.list()
}

// Option returns the named option, or nil.
func (v *Verb) Option(name string) *Option {
	for i := range v.Options {
		if v.Options[i].Name == name {
			return &v.Options[i]
		}
	}
	return nil
}

// FormOptions are the options the verb's form asks for, in order.
func (v *Verb) FormOptions() []Option {
	var out []Option
	for _, name := range v.Form {
		if o := v.Option(name); o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// HasRequiredText reports whether the verb's form asks for required free
// text: such a verb typed alone opens its form rather than failing.
func (v *Verb) HasRequiredText() bool {
	for _, o := range v.FormOptions() {
		if o.Required && o.choices == nil && !o.Switch() {
			return true
		}
	}
	return false
}

// Words turns a form's or a chat command's named values into the words a
// typed command has, so that the one grammar validates both: the verb,
// its arguments in order (a list is split on spaces), then "--name value"
// for every non-empty option. A switch is set by the value "yes".
func (v *Verb) Words(values map[string]string) []string {
	words := []string{v.Name}
	for _, a := range v.Args {
		val := strings.TrimSpace(values[a.Name])
		if val == "" {
			continue
		}
		if a.Many {
			words = append(words, strings.Fields(val)...)
		} else {
			words = append(words, val)
		}
	}
	for _, o := range v.Options {
		val := strings.TrimSpace(values[o.Name])
		switch {
		case val == "":
		case o.Switch():
			if strings.EqualFold(val, "yes") {
				words = append(words, "--"+o.Name)
			}
		default:
			words = append(words, "--"+o.Name, val)
		}
	}
	return words
}

// Verbs is the read-only schema of every verb, in help order.
func Verbs() []Verb {
	out := make([]Verb, len(allVerbs))
	for i, v := range allVerbs {
		out[i] = *v
	}
	return out
}

// DefaultVerb is the verb an empty command runs: the overview of all.
func DefaultVerb() Verb { return *lookup("help") }

// Lookup returns the schema of the named verb, or false.
func Lookup(name string) (Verb, bool) {
	if v := lookup(name); v != nil {
		return *v, true
	}
	return Verb{}, false
}

func lookup(name string) *Verb {
	i := slices.IndexFunc(allVerbs, func(v *Verb) bool { return v.Name == name })
	if i < 0 {
		return nil
	}
	return allVerbs[i]
}

// allVerbs is the registry, in the order help lists it. It is filled in
// init because help's build refers back to it.
var allVerbs []*Verb

func init() {
	allVerbs = []*Verb{helpVerb(), whoamiVerb(), createVerb(), acceptVerb(), resolveVerb(), verifyVerb(), deleteVerb(), unlinkVerb(), unassignVerb(), showVerb(), listVerb()}
	help := lookup("help")
	for _, v := range allVerbs[1:] {
		help.Args[0].Choices = append(help.Args[0].Choices, Choice{Value: v.Name, Label: v.Name})
	}
}
