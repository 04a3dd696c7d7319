package commands

import (
	"context"
	"fmt"
	"regexp"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/vendors/coc"
)

// Field limits from COC's API pages, checked before any call.
const (
	MaxTitle       = 200
	MaxDescription = 600
	MaxComment     = 300
)

var (
	levels = &choices{values: []choice{
		{"level_10", []string{"p1", "1"}, "P1"},
		{"level_20", []string{"p2", "2"}, "P2"},
		{"level_30", []string{"p3", "3"}, "P3"},
		{"level_40", []string{"p4", "4"}, "P4"},
		{"level_50", []string{"p5", "5"}, "P5"},
	}}
	// COC's documented incident types; other inc_type_ keys pass through, as
	// the enumeration may grow.
	incidentTypes = &choices{values: []choice{
		{"inc_type_p_security_issues", []string{"security"}, "Security issue"},
		{"inc_type_p_function_issues", []string{"function"}, "Function issue"},
		{"inc_type_p_reliability_issues", []string{"reliability"}, "Reliability issue"},
	}, pattern: regexp.MustCompile(`^inc_type_[a-z0-9_]+$`).MatchString, note: "or another COC type key (inc_type_...)"}
	sources = &choices{values: []choice{
		{"incident_source_manual", []string{"manual"}, "Manual creation"},
		{"incident_source_forwarding", []string{"forwarding", "transfer"}, "Transfer creation"},
		{"incident_source_alarm", []string{"alarm"}, "Alarm"},
	}}
	yesNo = &choices{values: []choice{
		{"yes", []string{"yes", "y", "true"}, "Yes"},
		{"no", []string{"no", "n", "false"}, "No"},
	}}
)

// Levels, Types and Sources are the fixed values chat forms offer.
func Levels() []Choice  { return levels.list() }
func Types() []Choice   { return incidentTypes.list() }
func Sources() []Choice { return sources.list() }

func createVerb() *verb {
	return &verb{
		name:    "create",
		summary: "Create a COC incident ticket.",
		details: []string{"Give an owner with --assignee, or a scheduling scene and role with --scene and --role, not both."},
		flags: []flag{
			{name: "title", value: "TEXT", help: "what is wrong, at most 200 characters", required: true, maxLen: MaxTitle},
			{name: "description", value: "TEXT", help: "details, at most 600 characters", required: true, maxLen: MaxDescription},
			{name: "level", value: "LEVEL", help: "severity", required: true, choices: levels},
			{name: "type", value: "TYPE", help: "incident type", required: true, choices: incidentTypes},
			{name: "source", value: "SOURCE", help: "where it came from, default manual", choices: sources},
			{name: "app", value: "APP_ID", help: "ID of the COC application it belongs to", required: true},
			{name: "interrupted", value: "yes|no", help: "is the service interrupted", required: true, choices: yesNo},
			{name: "assignee", value: "USER_ID", help: "owner's cloud user ID"},
			{name: "scene", value: "SCENE", help: "scheduling scene (with --role)"},
			{name: "role", value: "ROLE", help: "scheduling role (with --scene)"},
			{name: "region", value: "REGION", help: "region code, needed to start a war room"},
			{name: "enterprise-project", value: "ID", help: "enterprise project ID"},
		},
		examples: []string{`/incident create --title "DB down in eu-west" --description "Primary unreachable since 02:10" --level p2 --type reliability --app 65659ae2f42bf80e5f3f0635 --interrupted yes --assignee 7da46971b7e24eed90cf777cc2ff8b91`},
		vendor:   coc.Vendor,
		build:    buildCreate,
	}
}

func buildCreate(r *Registry, in args, c Caller) (Action, error) {
	if len(in.positional) > 0 {
		return nil, fmt.Errorf("create takes only options; %s is not one (quote text with spaces: --title \"DB down\").", quoteShort(in.positional[0]))
	}
	v := in.values
	scene, role := v["scene"], v["role"]
	switch {
	case v["assignee"] != "" && (scene != "" || role != ""):
		return nil, fieldErrorf("assignee", "give an owner with --assignee, or --scene with --role, not both.")
	case v["assignee"] == "" && scene == "" && role == "":
		return nil, fieldErrorf("assignee", "the ticket needs an owner: --assignee USER_ID, or --scene SCENE with --role ROLE.")
	case v["assignee"] == "" && scene == "":
		return nil, fieldErrorf("scene", "--scene and --role go together: give both.")
	case v["assignee"] == "" && role == "":
		return nil, fieldErrorf("role", "--scene and --role go together: give both.")
	}
	creator, err := r.operator(c)
	if err != nil {
		return nil, err
	}
	source := v["source"]
	if source == "" {
		source = "incident_source_manual"
	}
	return &createAction{creator: r.deps.Creator, caller: c, in: coc.NewIncident{
		Title: v["title"], Description: v["description"], Level: v["level"], Type: v["type"], Source: source,
		ApplicationID: v["app"], ServiceInterrupt: v["interrupted"] == "yes",
		Assignee: v["assignee"], Scene: scene, Role: role,
		Region: v["region"], EnterpriseProject: v["enterprise-project"], Creator: creator,
	}}, nil
}

type createAction struct {
	creator TicketCreator
	caller  Caller
	in      coc.NewIncident
}

func (a *createAction) Destructive() bool { return false }

func (a *createAction) Summary() Summary {
	return Summary{Verb: "create", Vendor: coc.Vendor, Operation: "create incident ticket", Target: fmt.Sprintf("%q", a.in.Title)}
}

func (a *createAction) Run(ctx context.Context) (reply.Reply, error) {
	num, err := a.creator.CreateIncident(ctx, a.in)
	if err != nil {
		return reply.Reply{}, err
	}
	owner := a.in.Assignee
	if owner == "" {
		owner = a.in.Scene + " / " + a.in.Role
	}
	interrupted := "no"
	if a.in.ServiceInterrupt {
		interrupted = "yes"
	}
	return reply.Reply{
		Tone:   reply.Warning,
		Title:  fmt.Sprintf("Incident %s: %s", num, a.in.Title),
		Public: true,
		Lines: []string{
			fmt.Sprintf("Level %s · %s · service interrupted: %s", label(levels, a.in.Level), label(incidentTypes, a.in.Type), interrupted),
			a.in.Description,
			fmt.Sprintf("Owner `%s` · application `%s` · created by %s", owner, a.in.ApplicationID, a.caller.Name),
		},
		Buttons: []reply.Button{{Label: "Verify", Action: reply.Verify, Value: num, Style: reply.Primary}},
	}, nil
}

func label(c *choices, value string) string {
	for _, ch := range c.values {
		if ch.value == value {
			return ch.label
		}
	}
	return value
}

func verifyVerb() *verb {
	return &verb{
		name:    "verify",
		args:    "TICKET",
		summary: "Record whether a COC ticket's handling result passed verification.",
		details: []string{"Give exactly one of --pass or --fail."},
		flags: []flag{
			{name: "pass", help: "the fix is verified"},
			{name: "fail", help: "the fix did not hold"},
			{name: "comment", value: "TEXT", help: "verification note, at most 300 characters", maxLen: MaxComment},
		},
		examples: []string{`/incident verify IM202403221515060171753781 --pass --comment "error rate back to baseline"`},
		vendor:   coc.Vendor,
		build:    buildVerify,
	}
}

func buildVerify(r *Registry, in args, c Caller) (Action, error) {
	switch len(in.positional) {
	case 0:
		return nil, fmt.Errorf("which ticket? Give its number, e.g. IM202403221515060171753781.")
	case 1:
	default:
		return nil, fmt.Errorf("verify takes one ticket; got %d (quote a comment with spaces: --comment \"all good\").", len(in.positional))
	}
	if err := checkID(in.positional[0]); err != nil {
		return nil, err
	}
	pass, fail := in.switches["pass"], in.switches["fail"]
	if pass == fail {
		return nil, fmt.Errorf("give exactly one of --pass or --fail.")
	}
	operator, err := r.operator(c)
	if err != nil {
		return nil, err
	}
	comment := in.values["comment"]
	if comment == "" {
		verdict := "passed"
		if fail {
			verdict = "failed"
		}
		comment = fmt.Sprintf("Verification %s (by %s via incidentbot)", verdict, c.Name)
		if n := []rune(comment); len(n) > MaxComment {
			comment = string(n[:MaxComment])
		}
	}
	return &verifyAction{verifier: r.deps.Verifier, caller: c, v: coc.Verification{Ticket: in.positional[0], Operator: operator, Passed: pass, Comment: comment}}, nil
}

type verifyAction struct {
	verifier TicketVerifier
	caller   Caller
	v        coc.Verification
}

func (a *verifyAction) Destructive() bool { return false }

func (a *verifyAction) Summary() Summary {
	return Summary{Verb: "verify", Vendor: coc.Vendor, Operation: "verify the handling result", Target: "of ticket " + a.v.Ticket}
}

func (a *verifyAction) Run(ctx context.Context) (reply.Reply, error) {
	if err := a.verifier.VerifyIncident(ctx, a.v); err != nil {
		return reply.Reply{}, err
	}
	verdict, tone := "passed", reply.Success
	if !a.v.Passed {
		verdict, tone = "failed", reply.Warning
	}
	return reply.Reply{
		Tone:   tone,
		Title:  fmt.Sprintf("Ticket %s: verification %s", a.v.Ticket, verdict),
		Lines:  []string{a.v.Comment, "Verified by " + a.caller.Name},
		Public: true,
	}, nil
}
