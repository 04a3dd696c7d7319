package commands

import (
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// ProgressFunc receives an interim reply while an action that needs more
// than one vendor call runs ("SecMaster: deleted 60 of 180 so far…"). The
// bot passes one to the action's Run; an adapter decides how often the
// user sees it.
type ProgressFunc func(reply.Reply)

// ProgressReply is the interim message of a batch: how many IDs are done
// of how many, and what has gone wrong so far.
func ProgressReply(s Summary, done string, p vendors.Progress) reply.Reply {
	ok, refused, unknown := p.Result.Count(vendors.Done), p.Result.Count(vendors.Refused), p.Result.Count(vendors.Unknown)
	r := reply.Reply{Tone: reply.Info,
		Title: fmt.Sprintf("%s: %s %d of %d so far…", s.Vendor, strings.ToLower(done), ok, p.Total),
		Lines: []string{fmt.Sprintf("Call %d of %d returned; %d ID(s) still to send.", p.Call, p.Calls, p.Total-p.Handled)}}
	if refused > 0 || unknown > 0 {
		r.Tone = reply.Warning
		r.Lines = append(r.Lines, fmt.Sprintf("So far %d refused, %d with an unknown outcome; the details come with the result.", refused, unknown))
	}
	return r
}
