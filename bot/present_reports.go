package bot

import (
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// The presenter's reports: whoami, a dry run, and the audit channel's
// message.

// whoami says who the caller is and, under a policy (described), what
// they may request and approve here.
func whoami(who commands.Caller, channel string, lines []policy.Line, described string) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("You are %s:%s (%s), in %s.", who.Platform, who.UserID, who.Name, channel)}
	if described == "" {
		r.Lines = []string{capitalize(policy.NoPolicy) + "."}
		return r
	}
	for _, l := range lines {
		r.Lines = append(r.Lines, l.String())
	}
	r.Footer = "Policy: " + described + "."
	return r
}

// dryRun shows what a destructive command would do; d is what the policy
// said of it.
func dryRun(s commands.Summary, d policy.Decision) reply.Reply {
	r := reply.Reply{Tone: reply.Info, Title: "Dry run: " + describe(s) + ". Nothing was run and no confirmation was created.",
		Lines: []string{
			fmt.Sprintf("It would ask %s to %s.", s.Vendor, describe(s)),
			fmt.Sprintf("Vendor calls: %d × %s.", s.Calls, reply.CodeSpan(s.API)),
		},
		Lists: idList(s),
	}
	if d.NeedsApproval {
		r.Lines = append(r.Lines, "After your Confirm it would need a second approval from "+strings.Join(d.Approvers, ", ")+".")
	} else {
		r.Lines = append(r.Lines, "Your Confirm alone would run it.")
	}
	return r
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
