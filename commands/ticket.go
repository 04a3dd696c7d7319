package commands

import (
	"context"
	"fmt"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Field limits from COC's API pages, checked before any call.
const (
	MaxTitle       = 200
	MaxDescription = 600
	MaxComment     = 300
	MaxSolution    = 10000
)

// The COC enumerations come from the vendor's documented lists; the
// aliases are the short words responders type.
var (
	levels = fromVendor(vendors.COCLevels, map[string][]string{
		"level_10": {"p1", "1"}, "level_20": {"p2", "2"}, "level_30": {"p3", "3"}, "level_40": {"p4", "4"}, "level_50": {"p5", "5"}})
	incidentTypes = fromVendor(vendors.COCIncidentTypes, map[string][]string{
		"inc_type_p_security_issues": {"security"}, "inc_type_p_function_issues": {"function"},
		"inc_type_p_reliability_issues": {"reliability"}, "inc_type_p_change_issues": {"change"}})
	sources = fromVendor(vendors.COCSources, map[string][]string{
		"incident_source_manual": {"manual"}, "incident_source_forwarding": {"forwarding", "transfer"}, "incident_source_alarm": {"alarm"}})
	yesNo = &choices{values: []choice{
		{"yes", []string{"yes", "y", "true"}, "Yes"},
		{"no", []string{"no", "n", "false"}, "No"},
	}}
	verdicts = &choices{values: []choice{
		{"pass", []string{"pass", "passed"}, "Passed: the fix holds"},
		{"fail", []string{"fail", "failed"}, "Failed: the problem is back"},
	}}
)

// ticketArg is the COC ticket a lifecycle verb acts on.
var ticketArg = Arg{Name: "ticket", Placeholder: "TICKET", Description: "Ticket number, e.g. IM202403221515060171753781", Required: true, MaxLen: 128, IDs: COCTicket}

func createVerb() *Verb {
	return &Verb{
		Name:    "create",
		Summary: "Create a COC incident ticket.",
		Details: []string{"Give an owner with --assignee, or a scheduling scene and role with --scene and --role, not both."},
		Options: []Option{
			{Name: "title", Placeholder: "TEXT", Help: "what is wrong, at most 200 characters", Label: "Title", Hint: "DB down in eu-west", Required: true, MaxLen: MaxTitle},
			{Name: "description", Placeholder: "TEXT", Help: "details, at most 600 characters", Label: "Description", Hint: "What is happening, since when, who is affected", Required: true, Long: true, MaxLen: MaxDescription},
			{Name: "level", Placeholder: "LEVEL", Help: "severity", Label: "Level", Hint: "P1 … P5", Required: true, choices: levels},
			{Name: "type", Placeholder: "TYPE", Help: "incident type", Label: "Type", Hint: "Incident type", Required: true, choices: incidentTypes},
			{Name: "source", Placeholder: "SOURCE", Help: "where it came from, default manual", Label: "Source", choices: sources},
			{Name: "app", Placeholder: "APP_ID", Help: "ID of the COC application it belongs to", Label: "Application ID", Hint: "ID of the COC application", Required: true},
			{Name: "interrupted", Placeholder: "yes|no", Help: "is the service interrupted", Label: "Is the service interrupted?", Required: true, choices: yesNo},
			{Name: "assignee", Placeholder: "USER_ID", Help: "owner's cloud user ID", Label: "Owner (cloud user ID)", Hint: "Or leave empty and give a scene and role"},
			{Name: "scene", Placeholder: "SCENE", Help: "scheduling scene (with --role)", Label: "Scheduling scene"},
			{Name: "role", Placeholder: "ROLE", Help: "scheduling role (with --scene)", Label: "Scheduling role"},
			{Name: "region", Placeholder: "REGION", Help: "region code, needed to start a war room", Label: "Region (to start a war room)", Hint: "cn-north-4", MaxLen: 64},
			{Name: "enterprise-project", Placeholder: "ID", Help: "enterprise project ID"},
		},
		// The order of the form; Discord asks the first five text fields in
		// its modal and the rest as command options.
		Form:      []string{"title", "description", "level", "type", "source", "interrupted", "app", "assignee", "region", "scene", "role"},
		FormTitle: "Create incident",
		Examples:  []string{`/incident create --title "DB down in eu-west" --description "Primary unreachable since 02:10" --level p2 --type reliability --app 65659ae2f42bf80e5f3f0635 --interrupted yes --assignee 7da46971b7e24eed90cf777cc2ff8b91`},
		Vendor:    vendors.COC,
		build:     buildCreate,
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
	return &createAction{coc: r.deps.COC, caller: c, in: vendors.NewIncident{
		Title: v["title"], Description: v["description"], Level: v["level"], Type: v["type"], Source: source,
		ApplicationID: v["app"], ServiceInterrupt: v["interrupted"] == "yes",
		Assignee: v["assignee"], Scene: scene, Role: role,
		Region: v["region"], EnterpriseProject: v["enterprise-project"], Creator: creator,
	}}, nil
}

type createAction struct {
	coc    COCAPI
	caller Caller
	in     vendors.NewIncident
}

func (a *createAction) Destructive() bool { return false }

func (a *createAction) Summary() Summary {
	return Summary{Verb: "create", Vendor: vendors.COC, Operation: "create incident ticket", Target: fmt.Sprintf("%q", a.in.Title),
		Once: a.in.Title + "\x00" + a.in.ApplicationID}
}

func (a *createAction) Run(ctx context.Context, _ ProgressFunc) (Result, error) {
	rcpt, err := a.coc.CreateIncident(ctx, a.in)
	if err != nil {
		return Result{}, err
	}
	owner := a.in.Assignee
	if owner == "" {
		owner = a.in.Scene + " / " + a.in.Role
	}
	interrupted := "no"
	if a.in.ServiceInterrupt {
		interrupted = "yes"
	}
	r := reply.Reply{
		Tone:   reply.Warning,
		Title:  fmt.Sprintf("Incident %s: %s", rcpt.ID, a.in.Title),
		Public: true,
		Lines: []string{
			fmt.Sprintf("Level %s · %s · service interrupted: %s", levels.label(a.in.Level), incidentTypes.label(a.in.Type), interrupted),
			a.in.Description,
			fmt.Sprintf("Owner `%s` · application `%s` · created by %s", owner, a.in.ApplicationID, a.caller.Name),
		},
		Buttons: ticketButtons(rcpt.ID),
	}
	if rcpt.RequestID != "" {
		r.Footer = "Request ID: " + rcpt.RequestID + "."
	}
	return Result{Reply: r, RequestIDs: requestIDs(rcpt), Object: rcpt.ID}, nil
}

// ticketButtons are the lifecycle steps a ticket card offers.
func ticketButtons(ticket string) []reply.Button {
	return []reply.Button{
		{Label: "Accept", Press: reply.Press{Kind: reply.Form, Verb: "accept", Value: ticket}},
		{Label: "Submit solution", Press: reply.Press{Kind: reply.Form, Verb: "resolve", Value: ticket}},
		{Label: "Verify", Press: reply.Press{Kind: reply.Form, Verb: "verify", Value: ticket}, Style: reply.Primary},
	}
}

func requestIDs(r vendors.Receipt) []string {
	if r.RequestID == "" {
		return nil
	}
	return []string{r.RequestID}
}

// ticketStep starts a lifecycle step: the one ticket number the verb takes
// and the caller's COC operator.
func ticketStep(r *Registry, verb string, step vendors.TicketStep, in args, c Caller) (vendors.TicketOp, error) {
	switch len(in.positional) {
	case 0:
		return vendors.TicketOp{}, fmt.Errorf("which ticket? Give its number, e.g. IM202403221515060171753781.")
	case 1:
	default:
		return vendors.TicketOp{}, fmt.Errorf("%s takes one ticket; got %d (quote text with spaces: --comment \"all good\").", verb, len(in.positional))
	}
	if err := checkID(in.positional[0]); err != nil {
		return vendors.TicketOp{}, err
	}
	operator, err := r.operator(c)
	if err != nil {
		return vendors.TicketOp{}, err
	}
	return vendors.TicketOp{Step: step, Ticket: in.positional[0], Operator: operator}, nil
}

func acceptVerb() *Verb {
	return &Verb{
		Name:     "accept",
		Args:     []Arg{ticketArg},
		Summary:  "Accept a COC ticket: you take it on.",
		Examples: []string{"/incident accept IM202403221515060171753781"},
		Vendor:   vendors.COC,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			op, err := ticketStep(r, "accept", vendors.Accept, in, c)
			if err != nil {
				return nil, err
			}
			return &ticketAction{coc: r.deps.COC, caller: c, op: op}, nil
		},
	}
}

func resolveVerb() *Verb {
	return &Verb{
		Name:    "resolve",
		Args:    []Arg{ticketArg},
		Summary: "Submit a COC ticket's cause and solution.",
		Options: []Option{
			{Name: "cause", Placeholder: "TEXT", Help: "what caused it, at most 10000 characters", Label: "Cause", Hint: "What went wrong", Required: true, Long: true, MaxLen: MaxSolution},
			{Name: "solution", Placeholder: "TEXT", Help: "what fixed it, at most 10000 characters", Label: "Solution", Hint: "What was done", Required: true, Long: true, MaxLen: MaxSolution},
			{Name: "type", Placeholder: "TYPE", Help: "incident type, as found", Label: "Incident type", Required: true, choices: incidentTypes},
			{Name: "interrupted", Placeholder: "yes|no", Help: "was the service interrupted, default no", Label: "Was the service interrupted?", choices: yesNo},
		},
		Form:      []string{"cause", "solution", "type", "interrupted"},
		FormTitle: "Solution",
		Examples:  []string{`/incident resolve IM202403221515060171753781 --cause "disk full on db-1" --solution "rotated logs, added alert" --type reliability --interrupted yes`},
		Vendor:    vendors.COC,
		build: func(r *Registry, in args, c Caller) (Action, error) {
			op, err := ticketStep(r, "resolve", vendors.Resolve, in, c)
			if err != nil {
				return nil, err
			}
			v := in.values
			op.Type, op.ServiceInterrupt, op.Cause, op.Solution = v["type"], v["interrupted"] == "yes", v["cause"], v["solution"]
			return &ticketAction{coc: r.deps.COC, caller: c, op: op}, nil
		},
	}
}

func verifyVerb() *Verb {
	return &Verb{
		Name:    "verify",
		Args:    []Arg{ticketArg},
		Summary: "Record whether a COC ticket's handling result passed verification.",
		Details: []string{"Give exactly one of --pass or --fail (or --result pass|fail)."},
		Options: []Option{
			{Name: "result", Placeholder: "pass|fail", Help: "did the fix hold", Label: "Result", choices: verdicts},
			{Name: "comment", Placeholder: "TEXT", Help: "verification note, at most 300 characters", Label: "Comment", Hint: "What you checked", Long: true, MaxLen: MaxComment},
			{Name: "pass", Help: "the fix is verified"},
			{Name: "fail", Help: "the fix did not hold"},
		},
		Form:      []string{"result", "comment"},
		FormTitle: "Verify",
		Examples:  []string{`/incident verify IM202403221515060171753781 --pass --comment "error rate back to baseline"`},
		Vendor:    vendors.COC,
		build:     buildVerify,
	}
}

func buildVerify(r *Registry, in args, c Caller) (Action, error) {
	op, err := ticketStep(r, "verify", vendors.Verify, in, c)
	if err != nil {
		return nil, err
	}
	pass := in.switches["pass"] || in.values["result"] == "pass"
	fail := in.switches["fail"] || in.values["result"] == "fail"
	given := 0
	for _, set := range []bool{in.switches["pass"], in.switches["fail"], in.values["result"] != ""} {
		if set {
			given++
		}
	}
	if given != 1 {
		return nil, fieldErrorf("result", "give exactly one of --pass or --fail.")
	}
	comment := in.values["comment"]
	if comment == "" {
		verdict := "passed"
		if fail {
			verdict = "failed"
		}
		comment = reply.Cut(fmt.Sprintf("Verification %s (by %s via incidentbot)", verdict, c.Name), MaxComment)
	}
	op.Passed, op.Comment = pass, comment
	return &ticketAction{coc: r.deps.COC, caller: c, op: op}, nil
}

// ticketAction is one lifecycle step on a COC ticket.
type ticketAction struct {
	coc    COCAPI
	caller Caller
	op     vendors.TicketOp
}

func (a *ticketAction) Destructive() bool { return false }

func (a *ticketAction) Summary() Summary {
	s := Summary{Vendor: vendors.COC, Target: "of ticket " + a.op.Ticket, Subject: a.op.Ticket}
	switch a.op.Step {
	case vendors.Accept:
		s.Verb, s.Operation, s.Target = "accept", "accept ticket", a.op.Ticket
	case vendors.Resolve:
		s.Verb, s.Operation = "resolve", "submit the solution"
	case vendors.Verify:
		s.Verb, s.Operation = "verify", "verify the handling result"
	}
	return s
}

func (a *ticketAction) Run(ctx context.Context, _ ProgressFunc) (Result, error) {
	rcpt, err := a.coc.HandleIncident(ctx, a.op)
	if err != nil {
		return Result{}, err
	}
	t := a.op.Ticket
	r := reply.Reply{Tone: reply.Success, Public: true}
	switch a.op.Step {
	case vendors.Accept:
		r.Title = fmt.Sprintf("Ticket %s: accepted", t)
		r.Lines = []string{"Accepted by " + a.caller.Name + ". Next: submit the cause and solution."}
		r.Buttons = ticketButtons(t)[1:]
	case vendors.Resolve:
		r.Title = fmt.Sprintf("Ticket %s: solution submitted", t)
		r.Lines = []string{"Cause: " + a.op.Cause, "Solution: " + a.op.Solution, "Submitted by " + a.caller.Name + ". Next: verify the result."}
		r.Buttons = ticketButtons(t)[2:]
	case vendors.Verify:
		verdict := "passed"
		if !a.op.Passed {
			verdict, r.Tone = "failed", reply.Warning
		}
		r.Title = fmt.Sprintf("Ticket %s: verification %s", t, verdict)
		r.Lines = []string{a.op.Comment, "Verified by " + a.caller.Name}
	}
	if rcpt.RequestID != "" {
		r.Footer = "Request ID: " + rcpt.RequestID + "."
	}
	return Result{Reply: r, RequestIDs: requestIDs(rcpt)}, nil
}
