// Package commands is the grammar of /incident: one registry of verbs from
// which parsing, validation and help text all come. Parsing a command yields
// an Action that knows what it will change and how to run it.
package commands

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Action is a parsed, validated command, ready to run.
type Action interface {
	// Summary says exactly what the action will change.
	Summary() Summary
	// Destructive actions go through the confirmation gate before Run.
	Destructive() bool
	// Run performs the action against the vendor and describes the outcome.
	// A *vendors.Error or *vendors.UnreachableError is meant for the
	// responder; any other error is internal. progress, if not nil,
	// receives interim replies of an action of several vendor calls.
	Run(ctx context.Context, progress ProgressFunc) (Result, error)
}

// Result is what an action did: the reply that says so and, for a batch,
// the per-ID outcomes and the vendor's request IDs (for the audit log).
type Result struct {
	Reply reply.Reply
	Batch *vendors.BatchResult
	// RequestIDs are the vendor's request IDs of a single call.
	RequestIDs []string
	// Object is what the action made, e.g. a ticket number.
	Object string
	// Shown are the IDs a read (show, list) showed, for the audit log:
	// who looked at what.
	Shown []string
}

// Summary describes an action for the confirmation message and the audit log.
type Summary struct {
	Verb      string
	Vendor    string // empty for actions that call no vendor (help): they run inline
	Operation string // "delete incidents"
	Target    string // extra context, e.g. "from incident inc-1 (incidents -> alerts)"
	IDs       []string
	// API names the vendor call, e.g. "DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/incidents".
	API string
	// Calls is how many vendor calls the IDs take, at the configured batch size.
	Calls int
	// DryRun asks only to show what would change: nothing is run and no
	// confirmation is created.
	DryRun bool
	// Subject is the one object the IDs are about: the ticket of a
	// lifecycle step, the object an unlink removes the IDs from.
	Subject string
	// Association is an unlink's classes and subject.
	Association *vendors.Association
	// Once, when set, makes the same request from the same person within a
	// few minutes a repeat of the first (a form submitted twice): the text
	// that identifies "the same".
	Once string
	// Objects names what the IDs are when it is not what the verb's
	// arguments usually name ("cases" for unassign --cases): look-ups and
	// pickers for the usual kind then do not apply.
	Objects string
}

// Caller is who typed the command.
type Caller struct {
	Platform string // "slack", "discord", "console"
	UserID   string
	Name     string
}

// UsageError is a mistake in what the user typed. Its text says what was
// wrong; Usage shows the right form.
type UsageError struct {
	Verb    string
	Problem string
	Usage   string
	// Field is the option the problem is about ("title"), when it is about
	// one; chat forms use it to put the message next to the right input.
	Field string
}

// fieldError is a problem with one option, before it becomes a UsageError.
// wholeUsage asks for the verb's full usage rather than that option's line
// (when options are missing, all of them are worth seeing).
type fieldError struct {
	field, msg string
	wholeUsage bool
}

func (e *fieldError) Error() string { return e.msg }

func fieldErrorf(field, format string, a ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, a...)}
}

// usageError shows, with a mistake in one option, only the synopsis and
// that option's help: at 3 a.m. the line that matters, not sixteen.
func usageError(v *Verb, err error) *UsageError {
	ue := &UsageError{Verb: v.Name, Problem: err.Error(), Usage: v.usage()}
	if fe, ok := err.(*fieldError); ok {
		ue.Field = fe.field
		if f := v.Option(fe.field); f != nil && !fe.wholeUsage {
			ue.Usage = v.synopsis() + "\n" + f.helpLine() + "\n" + "(/incident help " + v.Name + " shows every option)"
		}
	}
	return ue
}

func (e *UsageError) Error() string { return e.Problem }

// NotConfiguredError means the verb's vendor has no credentials. Hint names
// the variables to set.
type NotConfiguredError struct {
	Vendor string
	Hint   string
}

func (e *NotConfiguredError) Error() string {
	return fmt.Sprintf("%s is not configured: %s", e.Vendor, e.Hint)
}

// SecMasterAPI is what the SecMaster verbs need of its client.
type SecMasterAPI interface {
	DeleteIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error)
	CancelAssociation(ctx context.Context, a vendors.Association, ids []string) (vendors.BatchResult, error)
}

// COCAPI is what the COC verbs need of its client.
type COCAPI interface {
	CreateIncident(ctx context.Context, in vendors.NewIncident) (vendors.Receipt, error)
	HandleIncident(ctx context.Context, op vendors.TicketOp) (vendors.Receipt, error)
}

// CoralogixAPI is what the Coralogix verbs need of its client.
type CoralogixAPI interface {
	UnassignIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error)
	// UnassignRoute is the request UnassignIncidents sends, which depends
	// on CORALOGIX_API_VERSION ("DELETE /mgmt/openapi/5/...").
	UnassignRoute() string
	// UnassignCases removes the assignee from Coralogix Cases (IDs or
	// readable IDs such as CASE-101); UnassignCasesRoute is its request.
	UnassignCases(ctx context.Context, ids []string) (vendors.BatchResult, error)
	UnassignCasesRoute() string
}

// Deps are the vendor clients and settings the verbs need. A nil client
// means that vendor is not configured; NotConfigured[vendor] then says
// what to set.
type Deps struct {
	SecMaster     SecMasterAPI
	COC           COCAPI
	Coralogix     CoralogixAPI
	NotConfigured map[string]string
	// Reader reads the vendors for show and list (the bot's one lookup
	// reader); nil: those verbs say the vendors cannot be read.
	Reader Reader

	// COCOperators maps "platform:user-id" to a cloud user ID, used as COC's
	// creator and operator. DefaultOperator is used for anyone unmapped.
	COCOperators    map[string]string
	DefaultOperator string

	// BatchSize is how many IDs the vendor clients send per call (to say
	// how many calls a dry run would make); 0 means one call.
	BatchSize int
}

// Registry parses commands against the configured vendors. It is safe for
// concurrent use.
type Registry struct {
	deps Deps
}

// New returns the registry of all verbs over deps.
func New(deps Deps) *Registry {
	return &Registry{deps: deps}
}

// Parse parses a typed line such as `/incident delete a b`. The leading
// "/incident" is optional.
func (r *Registry) Parse(line string, c Caller) (Action, error) {
	words, err := SplitLine(line)
	if err != nil {
		return nil, err
	}
	return r.ParseWords(words, c)
}

// SplitLine splits a typed line into words (see Tokenize), dropping a
// leading "/incident". A line it cannot read is a *UsageError.
func SplitLine(line string) ([]string, error) {
	if err := validText(line); err != nil {
		return nil, err
	}
	words, err := Tokenize(line)
	if err != nil {
		return nil, &UsageError{Problem: "I could not read that: " + err.Error() + ".", Usage: overview()}
	}
	if len(words) > 0 && strings.EqualFold(words[0], "/incident") {
		words = words[1:]
	}
	return words, nil
}

// ErrInvalidUTF8 is the problem with text that is not valid UTF-8. Such
// text is refused, not repaired: a vendor would store U+FFFD where the
// responder typed something else.
const ErrInvalidUTF8 = "the text is not valid UTF-8 (a character was garbled on the way, perhaps by a copy from another program). Type or paste it again."

func validText(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return &UsageError{Problem: ErrInvalidUTF8, Usage: overview()}
}

// ParseWords parses a command already split into words, verb first. Chat
// forms (modals, Discord options) use it so that values need no quoting.
func (r *Registry) ParseWords(words []string, c Caller) (Action, error) {
	if len(words) == 0 {
		return helpAction{text: overviewReply()}, nil
	}
	for _, w := range words {
		if err := validText(w); err != nil {
			return nil, err
		}
	}
	v := lookup(strings.ToLower(words[0]))
	if v == nil {
		return nil, unknownVerb(words[0])
	}
	in, err := v.parseArgs(words[1:])
	if err != nil {
		return nil, usageError(v, err)
	}
	if err := r.Configured(v.Name); err != nil {
		return nil, err
	}
	a, err := v.build(r, in, c)
	if err != nil {
		if _, ok := err.(*NotConfiguredError); ok {
			return nil, err
		}
		return nil, usageError(v, err)
	}
	return a, nil
}

// Configured returns a *NotConfiguredError if the verb's vendor has no
// client, so a chat form can say so before it is filled in.
func (r *Registry) Configured(verbName string) error {
	v := lookup(verbName)
	if v == nil || v.Vendor == "" || r.vendorConfigured(v.Vendor) {
		return nil
	}
	return &NotConfiguredError{Vendor: v.Vendor, Hint: r.deps.NotConfigured[v.Vendor]}
}

func (r *Registry) vendorConfigured(vendor string) bool {
	switch vendor {
	case vendors.SecMaster:
		return r.deps.SecMaster != nil
	case vendors.COC:
		return r.deps.COC != nil
	case vendors.Coralogix:
		return r.deps.Coralogix != nil
	}
	return false
}

// operator is the cloud user ID to send to COC for this caller.
func (r *Registry) operator(c Caller) (string, error) {
	if id := r.deps.COCOperators[c.Platform+":"+c.UserID]; id != "" {
		return id, nil
	}
	if r.deps.DefaultOperator != "" {
		return r.deps.DefaultOperator, nil
	}
	return "", &NotConfiguredError{Vendor: vendors.COC, Hint: fmt.Sprintf("no cloud user ID is mapped for %s user %s; set COC_OPERATOR_ID, or map the user in COC_USER_MAP (%s:%s=CLOUD_USER_ID)", c.Platform, c.UserID, c.Platform, c.UserID)}
}
