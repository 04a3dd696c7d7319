// Package policy decides who may ask the bot for what, where, and when a
// second person must approve.
//
// A policy file is named by the operator (INCIDENTBOT_POLICY). Without one
// there is no policy: a nil *Policy allows every verb to every user and says
// so (see Describe). With one, everything not allowed is denied:
//
//	rules:
//	  - verbs: [delete, unlink, unassign]     # verb names, or "*"
//	    request:                              # who may ask
//	      - slack:U024BE7LH                   # a Slack user
//	      - slack:group:S0614TZR7             # members of a Slack user group
//	      - discord:user:80351110224678912    # a Discord user
//	      - discord:role:41771983423143936    # members of a Discord role
//	      - console                           # the terminal user
//	    channels: [slack:C0123, discord:1122] # where; omitted = anywhere
//	    second_approval_over: 10              # more IDs than this need a second person
//	    approve: [slack:group:S0SECOPS, discord:role:5566]
//	  - verbs: [create, verify, accept, resolve, help, whoami]
//	    request: ["*"]
//
// Principals (request and approve) are written slack:U… (or slack:W…),
// slack:group:S…, discord:user:ID, discord:role:ID, console, or "*" for
// everyone; "*" must be quoted, since a bare * starts a YAML alias.
// Channels are written slack:C… (also G… and D…), discord:ID, or console
// (the terminal). A rule without channels applies everywhere; an empty
// channels list is an error rather than "nowhere". A rule with channels
// applies to the terminal only if it lists console: in the example above
// the terminal user may not delete. The channel of a request is its
// Subject's Channel on the Subject's Platform.
//
// second_approval_over and approve go together: one without the other is an
// error (a threshold nobody can approve would block the action forever, and
// approvers without a threshold would never be asked). A request needs a
// second person when its ID count is strictly greater than the threshold of
// the rule that allowed it: with second_approval_over: 10, ten IDs run after
// the requester's confirmation alone, eleven need an approver.
//
// When several rules allow a request, Decide prefers one that needs no
// second approval for that count (the earliest such rule), and otherwise
// takes the earliest rule that allows it; its approve list names who may
// approve. This package does not exclude the requester from the approvers:
// a requester listed in approve still matches MayApprove, and the bot must
// refuse an approval by the person who asked. MayApprove checks the rule
// that Decide returned, so a pending action keeps the approvers of the
// policy it was allowed under, even across a reload.
//
// Slack user-group membership is asked of a GroupResolver only when a rule
// that could allow the request names a group and nothing cheaper matched;
// if Slack cannot be asked, the request is refused with that reason (fail
// closed). Use NewGroupCache to keep answers for a minute and SlackGroups
// for the real usergroups.users.list call (scope usergroups:read).
//
// Load and Parse report every problem they find at once, each as
// "file:line: what is wrong" (see Error). A Holder keeps the policy in use
// and swaps it atomically on reload, keeping the old one when the new file
// is bad.
package policy
