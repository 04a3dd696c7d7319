package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// idsArg is the ID list of the batch verbs. A chat option holds at most
// 6,000 characters (Discord's limit), so the list continues in a second
// option: together they take 200 IDs of a UUID's 36 characters with their
// separators (about 7,400).
func idsArg(desc string, kind IDKind) []Arg {
	ids := Arg{Name: "ids", Placeholder: "INCIDENT_ID...", Description: desc, Many: true, Required: true, MaxLen: 6000, IDs: kind}
	return []Arg{ids, more(ids)}
}

// more is the optional continuation of a list argument, for chat options
// with a length limit. Typed, it is simply more of the same words.
func more(a Arg) Arg {
	return Arg{Name: "more_" + a.Name, Placeholder: a.Placeholder, Description: "More IDs, if they do not all fit in " + a.Name,
		Many: true, MaxLen: a.MaxLen, Continues: a.Name, IDs: a.IDs}
}

// casesOpt makes unassign act on Coralogix Cases instead of incidents.
var casesOpt = Option{Name: "cases", Help: "the IDs are Coralogix Cases (IDs or readable IDs such as CASE-101), not incidents"}

// casesOver writes unassign --cases over ids (a retry of the rest).
func casesOver(ids []string) []string { return append([]string{"unassign", "--cases"}, ids...) }

// dryRun is the option every destructive verb takes.
var dryRun = Option{Name: "dry-run", Help: "show exactly what would change, and change nothing"}

// newBatch builds a destructive action over ids, or its dry run.
// words writes the same command over other IDs (for a retry of the rest).
func (r *Registry) newBatch(s Summary, in args, done string, words func(ids []string) []string, run func(ctx context.Context, ids []string) (vendors.BatchResult, error)) *batchAction {
	s.DryRun = in.switches["dry-run"]
	s.Calls = 1
	if r.deps.BatchSize > 0 {
		s.Calls = (len(s.IDs) + r.deps.BatchSize - 1) / r.deps.BatchSize
	}
	return &batchAction{summary: s, done: done, run: run, words: words}
}

func deleteVerb() *Verb {
	return &Verb{
		Name:        "delete",
		Args:        idsArg("Incident IDs, separated by spaces or commas", SecMasterIncident),
		Options:     []Option{dryRun},
		Summary:     "Delete SecMaster incidents. Asks for confirmation.",
		Details:     []string{fmt.Sprintf("IDs are separated by spaces or commas; at most %d per command.", MaxIDs)},
		Examples:    []string{"/incident delete 909494e3-558e-46b6-a9eb-07a8e18ca62f, 5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10"},
		Vendor:      vendors.SecMaster,
		Destructive: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			ids, err := batchIDs(in.positional, "which incidents? Give one or more incident IDs.")
			if err != nil {
				return nil, err
			}
			return r.newBatch(Summary{Verb: "delete", Vendor: vendors.SecMaster, Operation: "delete incidents", IDs: ids,
				API: "DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/incidents"}, in, "Deleted", verbOver("delete"), r.deps.SecMaster.DeleteIncidents), nil
		},
	}
}

var alertsArg = Arg{Name: "alerts", Placeholder: "ALERT_ID...", Description: "Alert IDs, separated by spaces or commas", Many: true, Required: true, MaxLen: 6000, IDs: SecMasterAlert}

func unlinkVerb() *Verb {
	return &Verb{
		Name: "unlink",
		Args: []Arg{
			{Name: "incident", Placeholder: "INCIDENT_ID", Description: "The incident's ID", Required: true, MaxLen: 128, IDs: SecMasterIncident},
			alertsArg,
			more(alertsArg),
		},
		Summary: "Remove alerts (or other data objects) from an incident in SecMaster. Asks for confirmation.",
		Details: []string{
			"The first ID is the subject; the rest are unlinked from it.",
			"By default the subject is an incident and the others are alerts; --from and --to name other data classes (plural, lowercase).",
		},
		Options: []Option{
			{Name: "from", Placeholder: "CLASS", Help: "data class of the first ID, default incidents", Label: "Data class of the first ID"},
			{Name: "to", Placeholder: "CLASS", Help: "data class of the other IDs, default alerts", Label: "Data class of the other IDs"},
			dryRun,
		},
		Examples:    []string{"/incident unlink inc-1001 alert-2001 alert-2002", "/incident unlink alert-7 inc-1 --from alerts --to incidents"},
		Vendor:      vendors.SecMaster,
		Destructive: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			all, err := splitIDs(in.positional)
			if err != nil {
				return nil, err
			}
			if len(all) < 2 {
				return nil, fmt.Errorf("unlink needs the incident's ID followed by at least one alert ID.")
			}
			subject, related := all[0], all[1:]
			if len(related) > MaxIDs {
				return nil, fmt.Errorf("that is %d IDs; one command takes at most %d. Split it into several commands.", len(related), MaxIDs)
			}
			from, err := dataClass(in.values["from"], "incidents", "--from")
			if err != nil {
				return nil, err
			}
			to, err := dataClass(in.values["to"], "alerts", "--to")
			if err != nil {
				return nil, err
			}
			assoc := vendors.Association{DataClass: from, ObjectID: subject, RelatedDataClass: to}
			s := Summary{Verb: "unlink", Vendor: vendors.SecMaster, Operation: "unlink " + to,
				Target: fmt.Sprintf("from %s %s", singular(from), subject), IDs: related, Subject: subject, Association: &assoc,
				API: fmt.Sprintf("DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/%s/%s/%s", from, subject, to)}
			words := func(ids []string) []string {
				w := append([]string{"unlink", subject}, ids...)
				return append(w, "--from", from, "--to", to)
			}
			a := r.newBatch(s, in, "Unlinked", words, func(ctx context.Context, ids []string) (vendors.BatchResult, error) {
				return r.deps.SecMaster.CancelAssociation(ctx, assoc, ids)
			})
			a.subject = subject
			return a, nil
		},
	}
}

func unassignVerb() *Verb {
	return &Verb{
		Name:        "unassign",
		Args:        idsArg("Coralogix incident IDs, separated by spaces or commas", CoralogixIncident),
		Options:     []Option{dryRun, casesOpt},
		Summary:     "Remove user assignments from Coralogix incidents (or Cases, with --cases). Asks for confirmation.",
		Details:     []string{fmt.Sprintf("IDs are separated by spaces or commas; at most %d per command.", MaxIDs)},
		Examples:    []string{"/incident unassign cx-3001 cx-3002", "/incident unassign --cases CASE-101"},
		Vendor:      vendors.Coralogix,
		Destructive: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			ids, err := batchIDs(in.positional, "which incidents? Give one or more Coralogix incident IDs.")
			if err != nil {
				return nil, err
			}
			if in.switches["cases"] {
				return r.newBatch(Summary{Verb: "unassign", Vendor: vendors.Coralogix, Operation: "remove the assignee from cases", IDs: ids, Objects: "cases",
					API: r.deps.Coralogix.UnassignCasesRoute()}, in, "Unassigned", casesOver, r.deps.Coralogix.UnassignCases), nil
			}
			return r.newBatch(Summary{Verb: "unassign", Vendor: vendors.Coralogix, Operation: "remove user assignments from incidents", IDs: ids,
				API: r.deps.Coralogix.UnassignRoute()}, in, "Unassigned", verbOver("unassign"), r.deps.Coralogix.UnassignIncidents), nil
		},
	}
}

// singular names one object of a data class ("incidents" -> "incident").
func singular(class string) string {
	for _, c := range vendors.DataClasses {
		if c.Plural == class {
			return c.Singular
		}
	}
	return class
}

func batchIDs(words []string, none string) ([]string, error) {
	ids, err := splitIDs(words)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s", none)
	}
	if len(ids) > MaxIDs {
		return nil, fmt.Errorf("that is %d IDs; one command takes at most %d. Split it into several commands.", len(ids), MaxIDs)
	}
	return ids, nil
}

// dataClass accepts a SecMaster data class from the documented list, in
// either number and any case ("Alert" -> "alerts").
func dataClass(s, def, flagName string) (string, error) {
	if s == "" {
		return def, nil
	}
	if c, ok := vendors.NormalizeDataClass(s); ok {
		return c, nil
	}
	var names []string
	for _, c := range vendors.DataClasses {
		names = append(names, c.Plural)
	}
	return "", fmt.Errorf("%s %s is not a SecMaster data class: use one of %s.", flagName, quoteShort(s), strings.Join(names, ", "))
}

// batchAction is a destructive operation on a list of IDs.
type batchAction struct {
	summary Summary
	done    string // past tense shown in the result: "Deleted"
	run     func(ctx context.Context, ids []string) (vendors.BatchResult, error)
	words   func(ids []string) []string
	subject string // unlink's incident
}

// verbOver writes a verb that takes only IDs over ids.
func verbOver(verb string) func(ids []string) []string {
	return func(ids []string) []string { return append([]string{verb}, ids...) }
}

func (a *batchAction) Present(res vendors.BatchResult) reply.Reply {
	return BatchReply(a.summary, a.done, res)
}
func (a *batchAction) WordsFor(ids []string) []string { return a.words(ids) }
func (a *batchAction) Subject() string                { return a.subject }

func (a *batchAction) Destructive() bool { return true }
func (a *batchAction) Summary() Summary  { return a.summary }

func (a *batchAction) Run(ctx context.Context, progress ProgressFunc) (Result, error) {
	if progress != nil {
		ctx = vendors.WithProgressWatcher(ctx, func(p vendors.Progress) { progress(ProgressReply(a.summary, a.done, p)) })
	}
	res, err := a.run(ctx, a.summary.IDs)
	if err != nil {
		return Result{}, err
	}
	return Result{Reply: BatchReply(a.summary, a.done, res), Batch: &res, RequestIDs: res.RequestIDs}, nil
}
