package bot

import (
	"errors"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
)

// The core's refusals are errors that carry data; the presenter
// (present.go) turns each into what a user reads, and the events
// (events.go) into a Reason. No code matches on their text.

// NotAllowedError: the access policy refuses the requester this verb
// here. Again: it allowed the request, and refuses it now that it is
// confirmed or approved (the policy changed in between).
type NotAllowedError struct {
	Why   string // the policy's explanation, with the rule that would allow it
	Again bool
	// Groups: the policy could not ask Slack about a group, and refused
	// rather than guess.
	Groups bool
	Err    error
}

func (e *NotAllowedError) Error() string {
	if e.Again {
		return "no longer allowed: " + e.Why
	}
	return "not allowed: " + e.Why
}

// NotApproverError: the clicker is not among the approvers a
// confirmation names.
type NotApproverError struct {
	Approvers []string // who may approve; none when it awaits no approval
	Why       string   // the policy's explanation
	// Groups: Slack could not be asked who is in the approvers' groups.
	Groups bool
	// NoPolicy: no access policy is loaded any more, so nobody is named.
	NoPolicy bool
}

func (e *NotApproverError) Error() string { return "not an approver: " + e.Why }

// StoreError: the store of confirmations could not be reached. Ref is in
// the log line that holds Err.
type StoreError struct {
	Err error
	Ref string
}

func (e *StoreError) Error() string { return "confirmation store: " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// RestartedError: a click on a token an earlier process made, that this
// one does not know: a stop dropped it (the in-memory store does not
// survive a restart), so nothing was run.
type RestartedError struct{ Err error }

func (e *RestartedError) Error() string { return "dropped when the bot restarted: " + e.Err.Error() }
func (e *RestartedError) Unwrap() error { return e.Err }

// ConfigChangedError: a stored confirmation's command no longer parses,
// because the configuration changed since it was asked for.
type ConfigChangedError struct{ Err error }

func (e *ConfigChangedError) Error() string { return "configuration changed: " + e.Err.Error() }
func (e *ConfigChangedError) Unwrap() error { return e.Err }

// reasonOf is the event Reason for a refusal or a failure.
func reasonOf(err error) Reason {
	var changed *ConfigChangedError
	if errors.As(err, &changed) {
		return ConfigChanged
	}
	var (
		usage       *commands.UsageError
		notConf     *commands.NotConfiguredError
		notAllowed  *NotAllowedError
		settled     *pending.SettledError
		tooMany     *pending.TooManyError
		notApprover *NotApproverError
		store       *StoreError
	)
	switch {
	case err == nil:
		return NoReason
	case errors.As(err, &usage):
		return BadUsage
	case errors.As(err, &notConf):
		return NotConfigured
	case errors.As(err, &notAllowed):
		switch {
		case notAllowed.Again:
			return NoLongerAllowed
		case notAllowed.Groups:
			return GroupsUnavailable
		}
		return NotAllowed
	case errors.As(err, &notApprover):
		return NotApprover
	case errors.As(err, &tooMany):
		return TooManyPending
	case errors.As(err, &store):
		return StoreUnavailable
	case errors.Is(err, pending.ErrNotDurable):
		return NotReplicated
	case errors.Is(err, pending.ErrNotRequester):
		return NotRequester
	case errors.Is(err, pending.ErrRequester):
		return RequesterApproving
	case errors.Is(err, pending.ErrApprovalChanged):
		return ApprovalChanged
	case errors.Is(err, pending.ErrUnknownToken):
		return UnknownToken
	case errors.As(err, &settled) && settled.State == pending.Expired:
		return ConfirmationExpired
	case errors.As(err, &settled):
		return AlreadySettled
	}
	return NoReason
}
