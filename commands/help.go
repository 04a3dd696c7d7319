package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/incidentbot/incidentbot/commands/reply"
)

func helpVerb() *Verb {
	return &Verb{
		Name:          "help",
		Args:          []Arg{{Name: "command", Placeholder: "COMMAND", Description: "The command to explain", MaxLen: 32}},
		Summary:       "Show the commands, or the details of one.",
		Informational: true,
		Public:        true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			if len(in.positional) == 0 {
				return helpAction{text: overviewReply()}, nil
			}
			v := lookup(strings.ToLower(in.positional[0]))
			if v == nil {
				return nil, fmt.Errorf("there is no command %s. %s", quoteShort(in.positional[0]), verbList())
			}
			return helpAction{text: v.helpReply()}, nil
		},
	}
}

func whoamiVerb() *Verb {
	return &Verb{
		Name:          "whoami",
		Summary:       "Show what you may ask for and approve here.",
		Informational: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			if len(in.positional) > 0 {
				return nil, fmt.Errorf("whoami takes nothing after it.")
			}
			return WhoAmI{}, nil
		},
	}
}

// WhoAmI is the whoami verb's action. What it shows depends on the access
// policy, which the bot holds, so the bot answers it; run on its own it
// says only that.
type WhoAmI struct{}

func (WhoAmI) Destructive() bool { return false }
func (WhoAmI) Summary() Summary  { return Summary{Verb: "whoami"} }
func (WhoAmI) Run(context.Context, ProgressFunc) (Result, error) {
	return Result{Reply: reply.Reply{Title: "No access policy is loaded: every user may run every verb."}}, nil
}

type helpAction struct{ text reply.Reply }

func (helpAction) Destructive() bool { return false }
func (helpAction) Summary() Summary  { return Summary{Verb: "help"} }
func (h helpAction) Run(context.Context, ProgressFunc) (Result, error) {
	return Result{Reply: h.text}, nil
}

func verbList() string {
	var names []string
	for _, v := range allVerbs {
		names = append(names, v.Name)
	}
	return "The commands are: " + strings.Join(names, ", ") + "."
}

// overview is the short usage of every verb, one per line. The verbs are
// fixed at init, so it is built once.
var overview = sync.OnceValue(func() string {
	var lines []string
	for _, v := range allVerbs {
		lines = append(lines, v.synopsis())
	}
	return strings.Join(lines, "\n")
})

// overviewReply is help's answer, built once; each caller gets its own
// Lines to change.
func overviewReply() reply.Reply {
	r := overviewOnce()
	r.Lines = slices.Clone(r.Lines)
	return r
}

var overviewOnce = sync.OnceValue(buildOverview)

func buildOverview() reply.Reply {
	var destructive []string
	var table []string
	for _, v := range allVerbs {
		table = append(table, fmt.Sprintf("%-9s %s", v.Name, v.Summary))
		if v.Destructive {
			destructive = append(destructive, v.Name)
		}
	}
	lines := []string{
		"Destructive commands (" + strings.Join(destructive, ", ") + ") show exactly what will change and wait for Confirm.",
		"`/incident help COMMAND` shows a command's options and an example.",
	}
	return reply.Reply{Title: "incidentbot commands", Lines: lines, Code: strings.Join(table, "\n")}
}

func (v *Verb) helpReply() reply.Reply {
	lines := append([]string{v.Summary}, v.Details...)
	return reply.Reply{Title: "/incident " + v.Name, Lines: lines, Code: v.usage()}
}
