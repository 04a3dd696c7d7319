package console

import (
	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/vendors"
)

// Status is how a session went, for the exit code of piped use: the worst
// of everything that happened in it. It is decided from the core's typed
// events and the console's own answers, never from a reply's text.
type Status int

// The statuses, in order of weight: a session with an unknown outcome
// and a refusal is Unknown (the vendor may have acted: that needs a
// person first). 2 is the program's own usage error, decided before a
// session starts (cmd/incidentbot), never by a session.
const (
	// OK: everything asked for was done (or only shown: help, a dry run,
	// a cancel).
	OK Status = 0
	// NotDone: something was not done: a command refused (a mistake, the
	// access policy, a limit), a vendor refused an ID or the whole call,
	// an internal error, a confirmation that expired or was still
	// waiting at the end of the input, a confirm that named nothing.
	NotDone Status = 1
	// Unknown: a vendor may or may not have acted on some ID.
	Unknown Status = 3
)

// weight orders statuses: Unknown outweighs NotDone.
func (s Status) weight() int {
	switch s {
	case Unknown:
		return 2
	case NotDone:
		return 1
	}
	return 0
}

// Status is the worst status of the session so far.
func (c *Console) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// raise records s if it is worse than the session's status so far.
func (c *Console) raise(s Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.weight() > c.status.weight() {
		c.status = s
	}
}

// Observe is the console's observer of the core's events (Bot.Observe):
// every event about this console's user counts towards the session's
// status.
func (c *Console) Observe(e bot.Event) {
	if e.Who.Platform != c.caller.Platform || e.Who.UserID != c.caller.UserID {
		return
	}
	c.raise(statusOf(e))
}

// statusOf is what one event means for the session's status.
func statusOf(e bot.Event) Status {
	switch e.Step {
	case bot.StepRequest:
		switch e.Verdict {
		case bot.Rejected, bot.Denied, bot.Refused, bot.Failed, bot.Error:
			return NotDone
		}
		// Answered, a dry run, awaiting confirmation, running (its result
		// follows), a repeated create (the ticket exists).
		return OK
	case bot.StepConfirm, bot.StepCancel, bot.StepApprove:
		switch e.Verdict {
		case bot.Confirmed, bot.Cancelled, bot.AwaitingApproval:
			return OK
		}
		return NotDone // a confirm or cancel not honoured
	case bot.StepExpire:
		return NotDone // expired, or dropped by the stop: never run
	case bot.StepResult:
		switch e.Verdict {
		case bot.Done:
			return batchStatus(e.Batch)
		case bot.Unknown, bot.StoppedRunning, bot.Orphaned:
			return Unknown
		}
		return NotDone // refused by the vendor, not sent, an error
	}
	return OK
}

// batchStatus is the status of an action whose calls returned: some IDs
// may still have been refused, not attempted, or have an unknown outcome.
func batchStatus(b *vendors.BatchResult) Status {
	switch {
	case b == nil:
		return OK
	case b.Count(vendors.Unknown) > 0:
		return Unknown
	case b.Count(vendors.Refused) > 0 || b.Count(vendors.NotAttempted) > 0:
		return NotDone
	}
	return OK
}
