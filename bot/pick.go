package bot

import (
	"context"
	"strings"

	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
)

// MayRequest says whether the access policy lets who request verb, without
// an audit line: the pickers ask it before they offer a choice or read a
// vendor for one. It is a picker.Allowed.
func (b *Bot) MayRequest(ctx context.Context, who picker.Who, verb string) bool {
	if alwaysAllowed(verb) {
		return true
	}
	d := b.policy().Decide(ctx, policy.Request{Verb: verb, Subject: subject(who.Caller, who.Roles, who.Channel)})
	return d.Allowed
}

// OpenPicker answers a verb typed without its IDs on a platform with
// pickers: its form (the adapter adds the ID pickers), if its vendor is
// configured and the caller may use it; else the refusal, as typed. The
// submitted form is a Request like any other and is checked again then.
func (b *Bot) OpenPicker(ctx context.Context, req Request, verb string) Outcome {
	v, ok := commands.Lookup(strings.ToLower(verb))
	if !ok {
		return b.Handle(ctx, req)
	}
	return b.openForm(ctx, req, v, nil)
}
