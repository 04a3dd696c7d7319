package slack

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// ShortcutCallback is the message shortcut's callback_id in the manifest.
const ShortcutCallback = "act_on_message"

// verbBlock is the act form's verb menu.
const verbBlock = "verb"

// shortcut answers the message shortcut "Act on incidents": it finds the
// IDs in the message (text, blocks, attachments) and opens a form with
// them filled in, where the responder picks what to do. A message without
// an ID, or someone allowed none of the verbs, gets a private answer.
func (a *Adapter) shortcut(ctx context.Context, cb slack.InteractionCallback, who commands.Caller) any {
	if cb.CallbackID != ShortcutCallback || a.picker == nil {
		return nil
	}
	texts := []string{cb.Message.Text}
	for _, part := range []any{cb.Message.Blocks, cb.Message.Attachments} {
		if raw, err := json.Marshal(part); err == nil {
			texts = append(texts, picker.Strings(raw)...)
		}
	}
	found := picker.Scan(texts...)
	channel := cb.Channel.ID
	offers := a.picker.Offers(ctx, picker.Who{Caller: who, Channel: channel}, found)
	switch {
	case found.Empty():
		a.privately(cb, who, picker.NoIDs())
		return nil
	case len(offers) == 0:
		a.privately(cb, who, picker.NoneAllowed())
		return nil
	}
	return a.openPickerView(ctx, cb.TriggerID, who, "delete", actModal(found, offers, pickMeta{Channel: channel, Reply: cb.ResponseURL}))
}

// privately answers a shortcut with a note only the responder sees:
// through its response_url, or else chat.postEphemeral.
func (a *Adapter) privately(cb slack.InteractionCallback, who commands.Caller, r reply.Reply) {
	a.work.Go(func(ctx context.Context) {
		note := message(r)
		note.ResponseType = slack.ResponseTypeEphemeral
		if err := a.respond(ctx, cb.ResponseURL, note); err == nil {
			return
		}
		if err := a.postEphemeral(ctx, target{channel: cb.Channel.ID, who: who}, r); err != nil {
			a.log.Warn("answering a shortcut failed", "error", err, "title", r.Title)
		}
	})
}

// actModal is the shortcut's form: a menu of the verbs offered, then one
// field per kind of ID found, prefilled with them (and open to change,
// fed by /slack/options).
func actModal(found picker.Found, offers []picker.Offer, meta pickMeta) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	verbOf := map[commands.IDKind]string{} // the first offered verb per kind of ID: its field's options
	for _, o := range offers {
		opts = append(opts, slack.NewOptionBlockObject(o.Verb, text(reply.Cut(o.Label, maxOptionText)), nil))
		v, _ := commands.Lookup(o.Verb)
		for arg := range o.Values {
			if k := kindOf(v.Name, arg); k != "" && verbOf[k] == "" {
				verbOf[k] = v.Name
			}
		}
	}
	menu := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text("Choose what to do"), inputAction, opts...)
	if len(opts) == 1 {
		menu.InitialOption = opts[0]
	}
	blocks := []slack.Block{slack.NewInputBlock(verbBlock, text("What to do"), nil, menu)}
	for _, k := range []commands.IDKind{commands.SecMasterIncident, commands.SecMasterAlert, commands.CoralogixIncident, commands.COCTicket} {
		ids := found.Of(k)
		verb := verbOf[k]
		if len(ids) == 0 || verb == "" {
			continue
		}
		v, _ := commands.Lookup(verb)
		for _, arg := range v.Args {
			if arg.IDs != k || arg.Continues != "" {
				continue
			}
			fake := v
			fake.Args = []commands.Arg{arg}
			if !arg.Many { // a form for one ID (unlink's incident, a ticket) still shows every one found
				fake.Args[0].Many = true
			}
			for _, b := range idBlocks(fake, map[string]string{arg.Name: strings.Join(ids, " ")}) {
				if in, ok := b.(*slack.InputBlock); ok {
					in.Optional = true // the verb picked says which are needed
				}
				blocks = append(blocks, b)
			}
			break
		}
	}
	return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: actCallback, PrivateMetadata: meta.encode(),
		Title: text("Act on this message"), Submit: text("Continue"), Close: text("Cancel"),
		Blocks: slack.Blocks{BlockSet: append([]slack.Block{slack.NewSectionBlock(text(reply.Cut(picker.Choose(found).Title, 3000)), nil, nil)}, blocks...)}}
}

// submitAct handles the shortcut's form: the IDs chosen, by kind, fill the
// picked verb's arguments. A verb with a form of its own (resolve, verify)
// replaces this form with it, the ticket filled in; any other goes to the
// bot like a typed command (policy, confirmation).
func (a *Adapter) submitAct(ctx context.Context, cb slack.InteractionCallback, who commands.Caller, meta pickMeta) any {
	if cb.View.State == nil {
		return nil
	}
	byKind := map[commands.IDKind][]string{}
	for block, actions := range cb.View.State.Values {
		if verb, arg, ok := idBlock(block); ok {
			if k := kindOf(verb, arg); k != "" {
				byKind[k] = append(byKind[k], selected(actions[inputAction])...)
			}
		}
	}
	v, ok := commands.Lookup(cb.View.State.Values[verbBlock][inputAction].SelectedOption.Value)
	if !ok {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{verbBlock: "Choose what to do."})
	}
	values := map[string]string{}
	for _, arg := range v.Args {
		if arg.IDs == "" || arg.Continues != "" {
			continue
		}
		ids := byKind[arg.IDs]
		if !arg.Many && len(ids) > 1 {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{firstBlockOf(cb.View, arg.IDs): v.Name + " takes one " + strings.ToLower(idLabels[arg.IDs]) + ": keep one."})
		}
		values[arg.Name] = strings.Join(ids, " ")
	}
	if len(v.FormOptions()) > 0 { // the verb's own form, with what is known
		o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: meta.Channel, Press: reply.Press{Kind: reply.Form, Verb: v.Name}})
		if o.Form == nil {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{verbBlock: reply.Cut(o.Reply.Title, 150)})
		}
		f := *o.Form
		f.Values = values
		meta.Values = values
		view := pickerModal(f, meta)
		return slack.NewUpdateViewSubmissionResponse(&view)
	}
	return a.runPicked(ctx, cb, who, meta, v, values)
}

// firstBlockOf is the block of the act form's field for kind, or the verb menu.
func firstBlockOf(view slack.View, kind commands.IDKind) string {
	for _, b := range view.Blocks.BlockSet {
		if verb, arg, ok := idBlock(b.ID()); ok && kindOf(verb, arg) == kind {
			return b.ID()
		}
	}
	return verbBlock
}
