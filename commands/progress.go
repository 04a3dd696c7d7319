package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// ProgressFunc receives an interim reply while an action that needs more
// than one vendor call runs ("SecMaster: deleted 60 of 180 so far…"). The
// bot puts one in the context of the action's Run; an adapter decides how
// often the user sees it.
type ProgressFunc func(reply.Reply)

type progressKey struct{}

// WithProgress returns a context in which actions report progress to f.
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

func progressFrom(ctx context.Context) ProgressFunc {
	f, _ := ctx.Value(progressKey{}).(ProgressFunc)
	return f
}

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
