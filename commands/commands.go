// Package commands is the grammar of /incident: one registry of verbs from
// which parsing, validation and help text all come. Parsing a command yields
// an Action that knows what it will change and how to run it.
package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// Action is a parsed, validated command, ready to run.
type Action interface {
	// Summary says exactly what the action will change.
	Summary() Summary
	// Destructive actions go through the confirmation gate before Run.
	Destructive() bool
	// Run performs the action against the vendor and describes the outcome.
	// A *vendors.Error or *vendors.UnreachableError is meant for the
	// responder; any other error is internal.
	Run(ctx context.Context) (reply.Reply, error)
}

// Summary describes an action for the confirmation message and the audit log.
type Summary struct {
	Verb      string
	Vendor    string // empty for actions that call no vendor (help): they run inline
	Operation string // "delete incidents"
	Target    string // extra context, e.g. "from incident inc-1 (incidents -> alerts)"
	IDs       []string
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
func usageError(v *verb, err error) *UsageError {
	ue := &UsageError{Verb: v.name, Problem: err.Error(), Usage: v.usage()}
	if fe, ok := err.(*fieldError); ok {
		ue.Field = fe.field
		if f := v.flag(fe.field); f != nil && !fe.wholeUsage {
			ue.Usage = v.synopsis() + "\n" + f.helpLine() + "\n" + "(/incident help " + v.name + " shows every option)"
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

// IncidentDeleter batch-deletes SecMaster incidents.
type IncidentDeleter interface {
	DeleteIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error)
}

// AssociationCanceler removes associations between SecMaster data objects.
type AssociationCanceler interface {
	CancelAssociation(ctx context.Context, a secmaster.Association, ids []string) (vendors.BatchResult, error)
}

// Unassigner removes user assignments from Coralogix incidents.
type Unassigner interface {
	UnassignIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error)
}

// TicketCreator creates COC incident tickets.
type TicketCreator interface {
	CreateIncident(ctx context.Context, in coc.NewIncident) (string, error)
}

// TicketVerifier verifies the handling result of COC tickets.
type TicketVerifier interface {
	VerifyIncident(ctx context.Context, v coc.Verification) error
}

// Deps are the vendor clients and settings the verbs need. A nil client
// means that vendor is not configured; NotConfigured[vendor] then says
// what to set.
type Deps struct {
	Deleter       IncidentDeleter
	Unlinker      AssociationCanceler
	Unassigner    Unassigner
	Creator       TicketCreator
	Verifier      TicketVerifier
	NotConfigured map[string]string

	// COCOperators maps "platform:user-id" to a cloud user ID, used as COC's
	// creator and operator. DefaultOperator is used for anyone unmapped.
	COCOperators    map[string]string
	DefaultOperator string
}

// Registry parses commands. It is safe for concurrent use.
type Registry struct {
	deps  Deps
	verbs []*verb
}

// New returns the registry of all verbs.
func New(deps Deps) *Registry {
	r := &Registry{deps: deps}
	r.verbs = []*verb{helpVerb(), createVerb(), verifyVerb(), deleteVerb(), unlinkVerb(), unassignVerb()}
	return r
}

// Parse parses a typed line such as `/incident delete a b`. The leading
// "/incident" is optional.
func (r *Registry) Parse(line string, c Caller) (Action, error) {
	words, err := Tokenize(line)
	if err != nil {
		return nil, &UsageError{Problem: "I could not read that: " + err.Error() + ".", Usage: r.overview()}
	}
	if len(words) > 0 && strings.EqualFold(words[0], "/incident") {
		words = words[1:]
	}
	return r.ParseWords(words, c)
}

// ParseWords parses a command already split into words, verb first. Chat
// forms (modals, Discord options) use it so that values need no quoting.
func (r *Registry) ParseWords(words []string, c Caller) (Action, error) {
	if len(words) == 0 {
		return helpAction{text: r.overviewReply()}, nil
	}
	name := strings.ToLower(words[0])
	v := r.lookup(name)
	if v == nil {
		return nil, &UsageError{Problem: fmt.Sprintf("%s is not a command I know.", quoteShort(words[0])), Usage: r.overview()}
	}
	in, err := v.parseArgs(words[1:])
	if err != nil {
		return nil, usageError(v, err)
	}
	if err := r.Configured(v.name); err != nil {
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
	v := r.lookup(verbName)
	if v == nil || v.vendor == "" || r.configured(v.name) {
		return nil
	}
	return &NotConfiguredError{Vendor: v.vendor, Hint: r.deps.NotConfigured[v.vendor]}
}

func (r *Registry) configured(verb string) bool {
	switch verb {
	case "create":
		return r.deps.Creator != nil
	case "verify":
		return r.deps.Verifier != nil
	case "delete":
		return r.deps.Deleter != nil
	case "unlink":
		return r.deps.Unlinker != nil
	case "unassign":
		return r.deps.Unassigner != nil
	}
	return true
}

func (r *Registry) lookup(name string) *verb {
	for _, v := range r.verbs {
		if v.name == name {
			return v
		}
	}
	return nil
}

// operator is the cloud user ID to send to COC for this caller.
func (r *Registry) operator(c Caller) (string, error) {
	if id := r.deps.COCOperators[c.Platform+":"+c.UserID]; id != "" {
		return id, nil
	}
	if r.deps.DefaultOperator != "" {
		return r.deps.DefaultOperator, nil
	}
	return "", &NotConfiguredError{Vendor: coc.Vendor, Hint: fmt.Sprintf("no cloud user ID is mapped for %s user %s; set COC_OPERATOR_ID, or map the user in COC_USER_MAP (%s:%s=CLOUD_USER_ID)", c.Platform, c.UserID, c.Platform, c.UserID)}
}
