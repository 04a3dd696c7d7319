package console

import (
	"context"
	"sort"
	"strings"

	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
)

// Completer completes a typed line from the verb schema and the picker:
// the verb, its --options, and IDs (those the vendor lists whose ID starts
// with what is typed), the same source as the chat platforms' choices.
type Completer struct {
	Picker *picker.Picker
	Who    picker.Who
}

// Complete returns what could follow the text before the cursor, as
// suffixes of the word being typed, and that word's length.
func (c Completer) Complete(ctx context.Context, before string) ([]string, int) {
	words := strings.Fields(before)
	typing := ""
	if len(words) > 0 && !strings.HasSuffix(before, " ") {
		typing = words[len(words)-1]
		words = words[:len(words)-1]
	}
	if len(words) > 0 && strings.EqualFold(words[0], "/incident") {
		words = words[1:]
	}
	var full []string
	switch {
	case len(words) == 0: // the verb
		for _, v := range commands.Verbs() {
			full = append(full, v.Name+" ")
		}
	default:
		v, ok := commands.Lookup(strings.ToLower(words[0]))
		if !ok {
			return nil, 0
		}
		if strings.HasPrefix(typing, "-") {
			for _, o := range v.Options {
				full = append(full, "--"+o.Name+" ")
			}
			break
		}
		full = c.ids(ctx, v, positional(v, words[1:]), typing)
	}
	var out []string
	for _, f := range full {
		if strings.HasPrefix(f, typing) && f != typing {
			out = append(out, f[len(typing):])
		}
	}
	sort.Strings(out)
	return out, len([]rune(typing))
}

// positional are the words given to the verb's arguments so far (an
// option's value is not one).
func positional(v commands.Verb, words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if name, ok := strings.CutPrefix(w, "--"); ok {
			if o := v.Option(name); o != nil && !o.Switch() && !strings.Contains(name, "=") {
				i++ // its value
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// ids are the IDs the argument being typed could take: the next argument
// after those given (a list goes on taking IDs).
func (c Completer) ids(ctx context.Context, v commands.Verb, given []string, typing string) []string {
	var arg *commands.Arg
	n := len(given)
	for i := range v.Args {
		a := v.Args[i]
		if a.Continues != "" {
			continue
		}
		if n == 0 || a.Many {
			arg = &a
			break
		}
		n--
	}
	if arg == nil || arg.IDs == "" {
		return nil
	}
	values := map[string]string{}
	if len(given) > 0 {
		values[v.Args[0].Name] = strings.Trim(given[0], ",`")
	}
	var out []string
	for _, ch := range c.Picker.Choices(ctx, picker.Query{Who: c.Who, Verb: v.Name, Arg: arg.Name, Typed: typing, Values: values, Limits: picker.Terminal}) {
		if !contains(given, ch.ID) {
			out = append(out, ch.ID+" ")
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Trim(x, ",`") == s {
			return true
		}
	}
	return false
}
