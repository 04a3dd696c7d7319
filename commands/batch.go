package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

func deleteVerb() *verb {
	return &verb{
		name:        "delete",
		args:        "INCIDENT_ID...",
		summary:     "Delete SecMaster incidents. Asks for confirmation.",
		details:     []string{fmt.Sprintf("IDs are separated by spaces or commas; at most %d per command.", MaxIDs)},
		examples:    []string{"/incident delete 909494e3-558e-46b6-a9eb-07a8e18ca62f, 5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10"},
		vendor:      secmaster.Vendor,
		destructive: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			ids, err := batchIDs(in.positional, "which incidents? Give one or more incident IDs.")
			if err != nil {
				return nil, err
			}
			return &batchAction{
				summary: Summary{Verb: "delete", Vendor: secmaster.Vendor, Operation: "delete incidents", IDs: ids},
				done:    "Deleted",
				run:     r.deps.Deleter.DeleteIncidents,
			}, nil
		},
	}
}

func unlinkVerb() *verb {
	return &verb{
		name:    "unlink",
		args:    "INCIDENT_ID ALERT_ID...",
		summary: "Remove alerts (or other data objects) from an incident in SecMaster. Asks for confirmation.",
		details: []string{
			"The first ID is the subject; the rest are unlinked from it.",
			"By default the subject is an incident and the others are alerts; --from and --to name other data classes (plural, lowercase).",
		},
		flags: []flag{
			{name: "from", value: "CLASS", help: "data class of the first ID, default incidents"},
			{name: "to", value: "CLASS", help: "data class of the other IDs, default alerts"},
		},
		examples:    []string{"/incident unlink inc-1001 alert-2001 alert-2002", "/incident unlink alert-7 inc-1 --from alerts --to incidents"},
		vendor:      secmaster.Vendor,
		destructive: true,
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
			assoc := secmaster.Association{DataClass: from, ObjectID: subject, RelatedDataClass: to}
			return &batchAction{
				summary: Summary{Verb: "unlink", Vendor: secmaster.Vendor, Operation: "unlink " + to,
					Target: fmt.Sprintf("from %s %s", strings.TrimSuffix(from, "s"), subject), IDs: related},
				done: "Unlinked",
				run: func(ctx context.Context, ids []string) (vendors.BatchResult, error) {
					return r.deps.Unlinker.CancelAssociation(ctx, assoc, ids)
				},
			}, nil
		},
	}
}

func unassignVerb() *verb {
	return &verb{
		name:        "unassign",
		args:        "INCIDENT_ID...",
		summary:     "Remove all user assignments from Coralogix incidents. Asks for confirmation.",
		details:     []string{fmt.Sprintf("IDs are separated by spaces or commas; at most %d per command.", MaxIDs)},
		examples:    []string{"/incident unassign cx-3001 cx-3002"},
		vendor:      coralogix.Vendor,
		destructive: true,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			ids, err := batchIDs(in.positional, "which incidents? Give one or more Coralogix incident IDs.")
			if err != nil {
				return nil, err
			}
			return &batchAction{
				summary: Summary{Verb: "unassign", Vendor: coralogix.Vendor, Operation: "remove user assignments from incidents", IDs: ids},
				done:    "Unassigned",
				run:     r.deps.Unassigner.UnassignIncidents,
			}, nil
		},
	}
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

// dataClass accepts a SecMaster data class, plural and lowercase; a singular
// or capitalised name is corrected ("Alert" -> "alerts").
func dataClass(s, def, flagName string) (string, error) {
	if s == "" {
		return def, nil
	}
	s = strings.ToLower(s)
	if !strings.HasSuffix(s, "s") {
		s += "s"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return "", fmt.Errorf("%s %s is not a data class: use a plural lowercase name such as incidents or alerts.", flagName, quoteShort(s))
		}
	}
	return s, nil
}

// batchAction is a destructive operation on a list of IDs.
type batchAction struct {
	summary Summary
	done    string // past tense shown in the result: "Deleted"
	run     func(ctx context.Context, ids []string) (vendors.BatchResult, error)
}

func (a *batchAction) Destructive() bool { return true }
func (a *batchAction) Summary() Summary  { return a.summary }

func (a *batchAction) Run(ctx context.Context) (reply.Reply, error) {
	res, err := a.run(ctx, a.summary.IDs)
	if err != nil {
		return reply.Reply{}, err
	}
	return BatchReply(a.summary, a.done, res), nil
}

// BatchReply describes a batch result: what succeeded and what failed, with
// the vendor's reasons.
func BatchReply(s Summary, done string, res vendors.BatchResult) reply.Reply {
	total := len(res.Succeeded) + len(res.Failed)
	r := reply.Reply{Public: true}
	switch {
	case len(res.Failed) == 0:
		r.Tone = reply.Success
	case len(res.Succeeded) == 0:
		r.Tone = reply.Failure
	default:
		r.Tone = reply.Warning
	}
	r.Title = fmt.Sprintf("%s: %s %d of %d", s.Vendor, strings.ToLower(done), len(res.Succeeded), total)
	what := s.Operation
	if s.Target != "" {
		what += " " + s.Target
	}
	r.Lines = []string{"Operation: " + what + "."}
	if len(res.Succeeded) > 0 {
		r.Lists = append(r.Lists, reply.List{Label: fmt.Sprintf("%s (%d)", done, len(res.Succeeded)), Items: res.Succeeded})
	}
	if len(res.Failed) > 0 {
		items := make([]string, len(res.Failed))
		for i, f := range res.Failed {
			items[i] = f.ID + ": " + f.Reason
		}
		r.Lists = append(r.Lists, reply.List{Label: fmt.Sprintf("Failed (%d)", len(res.Failed)), Items: items})
	}
	return r
}
