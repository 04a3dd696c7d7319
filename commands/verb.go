package commands

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/vendors"
)

// args is what the parser collected.
type args struct {
	positional []string
	values     map[string]string
	switches   map[string]bool
}

// parseArgs reads positional words and --options (as "--name value" or
// "--name=value") and checks what can be checked without the verb's logic:
// unknown, repeated or empty options, missing required ones, lengths,
// choices.
func (v *Verb) parseArgs(words []string) (args, error) {
	// The maps are made by the first option (reading a nil map is fine):
	// a list of IDs has none.
	in := args{positional: make([]string, 0, len(words))}
	var missing []string
	for i := 0; i < len(words); i++ {
		w := dashes(words[i])
		if !strings.HasPrefix(w, "--") || w == "--" {
			if w == "--" { // everything after "--" is positional
				in.positional = append(in.positional, words[i+1:]...)
				break
			}
			in.positional = append(in.positional, w)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		f := v.Option(name)
		if f == nil {
			return in, fmt.Errorf("%s has no option --%s.%s", v.Name, name, v.suggest(name))
		}
		if _, dup := in.values[f.Name]; dup || in.switches[f.Name] {
			return in, fieldErrorf(f.Name, "--%s is given twice.", f.Name)
		}
		if f.Switch() {
			if hasValue {
				return in, fieldErrorf(f.Name, "--%s takes no value.", f.Name)
			}
			if in.switches == nil {
				in.switches = map[string]bool{}
			}
			in.switches[f.Name] = true
			continue
		}
		if !hasValue {
			if i+1 >= len(words) || (strings.HasPrefix(words[i+1], "--") && v.Option(strings.TrimPrefix(words[i+1], "--")) != nil) {
				return in, fieldErrorf(f.Name, "--%s needs a value (%s).", f.Name, f.Placeholder)
			}
			i++
			value = words[i]
		}
		value = strings.TrimSpace(value)
		if value == "" {
			return in, fieldErrorf(f.Name, "--%s is empty: give it a %s.", f.Name, strings.ToLower(f.Placeholder))
		}
		if n := utf8.RuneCountInString(value); n > f.Limit() {
			return in, fieldErrorf(f.Name, "--%s is %d characters long; the limit is %d.", f.Name, n, f.Limit())
		}
		if f.choices != nil {
			canonical, ok := f.choices.resolve(value)
			if !ok {
				return in, fieldErrorf(f.Name, "--%s %s is not one of the choices: %s.", f.Name, quoteShort(value), f.choices.describe())
			}
			value = canonical
		}
		if in.values == nil {
			in.values = map[string]string{}
		}
		in.values[f.Name] = value
	}
	for _, f := range v.Options {
		if f.Required && in.values[f.Name] == "" && !in.switches[f.Name] {
			missing = append(missing, "--"+f.Name)
		}
	}
	if len(missing) > 0 {
		return in, &fieldError{field: strings.TrimPrefix(missing[0], "--"), msg: fmt.Sprintf("missing %s.", strings.Join(missing, ", ")), wholeUsage: true}
	}
	return in, nil
}

func (v *Verb) suggest(typed string) string {
	var names, flags []string
	for _, f := range v.Options {
		names = append(names, f.Name)
		flags = append(flags, "--"+f.Name)
	}
	if len(names) == 0 {
		return " It takes no options."
	}
	if best, ok := closest(typed, names); ok {
		return " Did you mean --" + best + "?"
	}
	return " Its options are " + strings.Join(flags, ", ") + "."
}

// usage is the verb's one-line synopsis followed by its options.
func (v *Verb) usage() string {
	var b strings.Builder
	b.WriteString(v.synopsis())
	for _, f := range v.Options {
		b.WriteString("\n" + f.helpLine())
	}
	for _, e := range v.Examples {
		b.WriteString("\nexample: " + e)
	}
	return b.String()
}

func (f *Option) helpLine() string {
	line := "  --" + f.Name
	if f.Placeholder != "" {
		line += " " + f.Placeholder
	}
	line += "  " + f.Help
	if f.choices != nil {
		line += " (" + f.choices.describe() + ")"
	}
	return line
}

func (v *Verb) synopsis() string {
	parts := []string{"/incident", v.Name}
	for _, a := range v.Args {
		if a.Continues != "" {
			continue
		}
		if a.Required {
			parts = append(parts, a.Placeholder)
		} else {
			parts = append(parts, "["+a.Placeholder+"]")
		}
	}
	for _, f := range v.Options {
		s := "--" + f.Name
		if f.Placeholder != "" {
			s += " " + f.Placeholder
		}
		if !f.Required {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// choices is a fixed set of API values, each with friendly aliases.
type choices struct {
	values []choice
}

type choice struct {
	value   string
	aliases []string
	label   string
}

// fromVendor makes choices of a vendor's documented values, with aliases.
func fromVendor(values []vendors.Choice, aliases map[string][]string) *choices {
	c := &choices{}
	for _, v := range values {
		c.values = append(c.values, choice{value: v.Value, aliases: aliases[v.Value], label: v.Label})
	}
	return c
}

func (c *choices) resolve(s string) (string, bool) {
	lower := strings.ToLower(s)
	for _, ch := range c.values {
		if lower == ch.value || slices.Contains(ch.aliases, lower) {
			return ch.value, true
		}
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
	return strings.Join(parts, ", ")
}

func (c *choices) label(value string) string {
	for _, ch := range c.values {
		if ch.value == value {
			return ch.label
		}
	}
	return value
}

// Choice is one fixed value offered to a chat form (a select menu, a
// Discord option choice).
type Choice struct {
	Value string // the API value
	Label string // what a responder reads
	Alias string // the short word a responder types ("p2"), else Value
}

func (c *choices) list() []Choice {
	var out []Choice
	for _, ch := range c.values {
		alias := ch.value
		if len(ch.aliases) > 0 {
			alias = ch.aliases[0]
		}
		out = append(out, Choice{Value: ch.value, Label: ch.label, Alias: alias})
	}
	return out
}
