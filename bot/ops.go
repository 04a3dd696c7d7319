package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Progress is where an adapter shows interim replies of a running action
// (the same message updated in place, as often as its platform allows).

type progressKey struct{}

// WithProgress returns a context in which the Work of an Outcome reports
// interim replies to show ("SecMaster: deleted 60 of 180 so far…"). An
// adapter that sets none shows only the final reply. show may drop replies
// that come too fast for its platform; the final reply always follows.
func WithProgress(ctx context.Context, show func(reply.Reply)) context.Context {
	return context.WithValue(ctx, progressKey{}, show)
}

func progressSink(ctx context.Context) func(reply.Reply) {
	f, _ := ctx.Value(progressKey{}).(func(reply.Reply))
	return f
}

// AuditPoster posts a message to the audit channel.
type AuditPoster func(ctx context.Context, r reply.Reply) error

// SetAuditChannel has a message posted through post (on platform, for the
// metrics) for every confirmed destructive action and every ticket created.
// A failed post is logged and counted, and never holds up the action.
func (b *Bot) SetAuditChannel(platform string, post AuditPoster) {
	b.mu.Lock()
	b.auditPlatform, b.auditPost = platform, post
	b.mu.Unlock()
}

// trail is who had a hand in an action, for the audit log and channel.
type trail struct {
	requester commands.Caller
	confirmer commands.Caller // empty for an action that needs no confirmation
	// approver gave the second approval, where policy asked for one.
	approver commands.Caller
	channel  string
}

// auditsToChannel says which results go to the audit channel: every
// confirmed destructive action, whatever came of it, and everything an
// action made (a ticket created).
func auditsToChannel(a commands.Action, res commands.Result, err error) bool {
	return a.Destructive() || (err == nil && res.Object != "")
}

// postAudit sends the audit channel's message for one result in the
// background: the responder's reply does not wait for it.
func (b *Bot) postAudit(ctx context.Context, t trail, s commands.Summary, res *commands.Result, runErr error) {
	b.mu.Lock()
	platform, post := b.auditPlatform, b.auditPost
	b.mu.Unlock()
	if post == nil {
		return
	}
	r := auditReply(t, s, res, runErr)
	b.updates.Go(func(context.Context) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		err := post(ctx, r)
		b.metrics.AuditPost(platform, err == nil)
		if err != nil {
			b.log.Error("posting to the audit channel failed", "error", err, "verb", s.Verb, "platform", platform)
		}
	})
}

// auditReply is the audit channel's message: who asked, who confirmed (and
// approved), what, the per-ID outcome counts and the vendor's request IDs.
func auditReply(t trail, s commands.Summary, res *commands.Result, runErr error) reply.Reply {
	who := func(c commands.Caller) string {
		return fmt.Sprintf("%s (%s %s)", c.Name, c.Platform, reply.CodeSpan(c.UserID))
	}
	r := reply.Reply{Tone: reply.Info, Title: "Audit: " + describe(s) + " in " + s.Vendor}
	r.Lines = append(r.Lines, "Asked by "+who(t.requester)+" in "+reply.CodeSpan(t.channel)+".")
	if t.confirmer.UserID != "" {
		r.Lines = append(r.Lines, "Confirmed by "+who(t.confirmer)+".")
	}
	if t.approver.UserID != "" {
		r.Lines = append(r.Lines, "Approved by "+who(t.approver)+".")
	}
	var requestIDs []string
	switch {
	case runErr != nil:
		r.Tone = reply.Failure
		r.Lines = append(r.Lines, "Outcome: failed: "+vendors.Cap(runErr.Error(), 200))
	case res != nil && res.Batch != nil:
		bt := res.Batch
		r.Lines = append(r.Lines, fmt.Sprintf("Outcome: %d done, %d refused, %d unknown, %d not attempted (of %d).",
			bt.Count(vendors.Done), bt.Count(vendors.Refused), bt.Count(vendors.Unknown), bt.Count(vendors.NotAttempted), len(bt.Items)))
		if bt.Count(vendors.Done) != len(bt.Items) {
			r.Tone = reply.Warning
		}
		requestIDs = res.RequestIDs
	case res != nil:
		r.Lines = append(r.Lines, "Outcome: "+res.Reply.Title)
		requestIDs = res.RequestIDs
	}
	if len(s.IDs) > 0 {
		r.Lists = []reply.List{reply.IDs(fmt.Sprintf("IDs (%d)", len(s.IDs)), s.IDs)}
	}
	if len(requestIDs) > 0 {
		r.Footer = "Request IDs: " + strings.Join(requestIDs, ", ") + "."
	}
	return r
}

// verbLabel is the verb a command names, for metrics: a verb of the schema
// (the default verb for nothing at all), or "unknown", never the user's
// text.
func verbLabel(words []string) string {
	if len(words) == 0 {
		return commands.DefaultVerb().Name
	}
	if v, ok := commands.Lookup(strings.ToLower(words[0])); ok {
		return v.Name
	}
	return metrics.Unknown
}
