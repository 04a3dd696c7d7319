package commands

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// verb is one entry of the registry: its grammar, its help, and how to
// build its Action.
type verb struct {
	name        string
	args        string // positional part of the usage, e.g. "INCIDENT_ID..."
	summary     string
	details     []string // extra help lines
	flags       []flag
	examples    []string
	vendor      string
	destructive bool
	build       func(r *Registry, in args, c Caller) (Action, error)
}

// flag is one --option of a verb.
type flag struct {
	name     string // without dashes
	value    string // placeholder in usage; empty for a switch (--pass)
	help     string
	required bool
	maxLen   int      // in characters; 0 means the default of 255
	choices  *choices // fixed values with aliases
}

// args is what the parser collected.
type args struct {
	positional []string
	values     map[string]string
	switches   map[string]bool
}

const defaultMaxLen = 255

// parseArgs reads positional words and --flags (as "--flag value" or
// "--flag=value") and checks what can be checked without the verb's logic:
// unknown, repeated or empty flags, missing required ones, lengths, choices.
func (v *verb) parseArgs(words []string) (args, error) {
	in := args{values: map[string]string{}, switches: map[string]bool{}}
	var missing []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "--") || w == "--" {
			if w == "--" { // everything after "--" is positional
				in.positional = append(in.positional, words[i+1:]...)
				break
			}
			in.positional = append(in.positional, w)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		f := v.flag(name)
		if f == nil {
			return in, fmt.Errorf("%s has no option --%s.%s", v.name, name, v.suggest(name))
		}
		if _, dup := in.values[f.name]; dup || in.switches[f.name] {
			return in, fieldErrorf(f.name, "--%s is given twice.", f.name)
		}
		if f.value == "" {
			if hasValue {
				return in, fieldErrorf(f.name, "--%s takes no value.", f.name)
			}
			in.switches[f.name] = true
			continue
		}
		if !hasValue {
			if i+1 >= len(words) || (strings.HasPrefix(words[i+1], "--") && v.flag(strings.TrimPrefix(words[i+1], "--")) != nil) {
				return in, fieldErrorf(f.name, "--%s needs a value (%s).", f.name, f.value)
			}
			i++
			value = words[i]
		}
		value = strings.TrimSpace(value)
		if value == "" {
			return in, fieldErrorf(f.name, "--%s is empty: give it a %s.", f.name, strings.ToLower(f.value))
		}
		limit := f.maxLen
		if limit == 0 {
			limit = defaultMaxLen
		}
		if n := utf8.RuneCountInString(value); n > limit {
			return in, fieldErrorf(f.name, "--%s is %d characters long; the limit is %d.", f.name, n, limit)
		}
		if f.choices != nil {
			canonical, ok := f.choices.resolve(value)
			if !ok {
				return in, fieldErrorf(f.name, "--%s %s is not one of the choices: %s.", f.name, quoteShort(value), f.choices.describe())
			}
			value = canonical
		}
		in.values[f.name] = value
	}
	for _, f := range v.flags {
		if f.required && in.values[f.name] == "" && !in.switches[f.name] {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return in, &fieldError{field: strings.TrimPrefix(missing[0], "--"), msg: fmt.Sprintf("missing %s.", strings.Join(missing, ", ")), wholeUsage: true}
	}
	return in, nil
}

func (v *verb) flag(name string) *flag {
	for i := range v.flags {
		if v.flags[i].name == name {
			return &v.flags[i]
		}
	}
	return nil
}

func (v *verb) suggest(name string) string {
	var names []string
	for _, f := range v.flags {
		names = append(names, "--"+f.name)
	}
	if len(names) == 0 {
		return " It takes no options."
	}
	return " Its options are " + strings.Join(names, ", ") + "."
}

// usage is the verb's one-line synopsis followed by its options.
func (v *verb) usage() string {
	var b strings.Builder
	b.WriteString(v.synopsis())
	for _, f := range v.flags {
		b.WriteString("\n" + f.helpLine())
	}
	for _, e := range v.examples {
		b.WriteString("\nexample: " + e)
	}
	return b.String()
}

func (f *flag) helpLine() string {
	line := "  --" + f.name
	if f.value != "" {
		line += " " + f.value
	}
	line += "  " + f.help
	if f.choices != nil {
		line += " (" + f.choices.describe() + ")"
	}
	return line
}

func (v *verb) synopsis() string {
	parts := []string{"/incident", v.name}
	if v.args != "" {
		parts = append(parts, v.args)
	}
	for _, f := range v.flags {
		s := "--" + f.name
		if f.value != "" {
			s += " " + f.value
		}
		if !f.required {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// choices is a fixed set of API values, each with friendly aliases.
type choices struct {
	values  []choice
	pattern func(string) bool // accepts API values not in the list, if set
	note    string            // said after the list when pattern is set
}

type choice struct {
	value   string
	aliases []string
	label   string
}

func (c *choices) resolve(s string) (string, bool) {
	lower := strings.ToLower(s)
	for _, ch := range c.values {
		if lower == ch.value || slices.Contains(ch.aliases, lower) {
			return ch.value, true
		}
	}
	if c.pattern != nil && c.pattern(s) {
		return s, true
	}
	return "", false
}

func (c *choices) describe() string {
	var parts []string
	for _, ch := range c.values {
		if len(ch.aliases) > 0 && ch.aliases[0] != ch.value {
			parts = append(parts, ch.aliases[0]+" ("+ch.value+")")
		} else {
			parts = append(parts, ch.value)
		}
	}
	s := strings.Join(parts, ", ")
	if c.note != "" {
		s += ", " + c.note
	}
	return s
}

// Choice is one fixed value offered to a chat form (a select menu, a
// Discord option choice).
type Choice struct {
	Value string // the API value
	Label string // what a responder reads
}

func (c *choices) list() []Choice {
	var out []Choice
	for _, ch := range c.values {
		out = append(out, Choice{Value: ch.value, Label: ch.label})
	}
	return out
}
