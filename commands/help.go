package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/bot/reply"
)

func helpVerb() *verb {
	return &verb{
		name:    "help",
		args:    "[COMMAND]",
		summary: "Show the commands, or the details of one.",
		build: func(r *Registry, in args, c Caller) (Action, error) {
			if len(in.positional) == 0 {
				return helpAction{text: r.overviewReply()}, nil
			}
			v := r.lookup(strings.ToLower(in.positional[0]))
			if v == nil {
				return nil, fmt.Errorf("there is no command %s. %s", quoteShort(in.positional[0]), r.verbList())
			}
			return helpAction{text: v.helpReply()}, nil
		},
	}
}

type helpAction struct{ text reply.Reply }

func (helpAction) Destructive() bool                          { return false }
func (helpAction) Summary() Summary                           { return Summary{Verb: "help"} }
func (h helpAction) Run(context.Context) (reply.Reply, error) { return h.text, nil }

func (r *Registry) verbList() string {
	var names []string
	for _, v := range r.verbs {
		names = append(names, v.name)
	}
	return "The commands are: " + strings.Join(names, ", ") + "."
}

// overview is the short usage of every verb, one per line.
func (r *Registry) overview() string {
	var lines []string
	for _, v := range r.verbs {
		lines = append(lines, v.synopsis())
	}
	return strings.Join(lines, "\n")
}

func (r *Registry) overviewReply() reply.Reply {
	lines := []string{"Destructive commands (delete, unlink, unassign) show exactly what will change and wait for Confirm."}
	var table []string
	for _, v := range r.verbs {
		table = append(table, fmt.Sprintf("%-9s %s", v.name, v.summary))
	}
	lines = append(lines, "`/incident help COMMAND` shows a command's options and an example.")
	return reply.Reply{Title: "incidentbot commands", Lines: lines, Code: strings.Join(table, "\n")}
}

func (v *verb) helpReply() reply.Reply {
	lines := append([]string{v.summary}, v.details...)
	return reply.Reply{Title: "/incident " + v.name, Lines: lines, Code: v.usage()}
}

// Usage is the synopsis and options of a verb, for error messages outside
// this package (an empty string for an unknown verb).
func (r *Registry) Usage(verbName string) string {
	if v := r.lookup(verbName); v != nil {
		return v.usage()
	}
	return r.overview()
}
