package slack

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// The callback IDs of the picker forms: "pick:VERB" for a verb typed
// without its IDs, actCallback for the message shortcut's form.
const (
	pickPrefix  = "pick:"
	actCallback = "act"
)

// pickMeta travels in a picker form's private_metadata: where the result
// goes, what the form was opened with, and the response_url of the command
// or shortcut that opened it, through which the confirmation is shown (so
// it is updated in place, on expiry too). The URL is a credential: it is
// never logged, and Slack, which issued it, is the only one to see it.
type pickMeta struct {
	Channel string            `json:"channel"`
	Values  map[string]string `json:"values,omitempty"`
	Reply   string            `json:"reply,omitempty"`
}

func (m pickMeta) encode() string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

// ourForm says whether a view is one of the picker forms.
func ourForm(callbackID string) bool {
	return strings.HasPrefix(callbackID, pickPrefix) || callbackID == actCallback
}

// pickerVerbs are the verbs that, typed alone, open a form to pick their IDs.
var pickerVerbs = []string{"delete", "unlink", "unassign", "accept", "resolve", "verify"}

// opener is what the picker forms need of the bot beyond Dispatcher.
type opener interface {
	OpenPicker(ctx context.Context, req bot.Request, verb string) bot.Outcome
}

// wantsPicker says whether text is a picker verb alone ("delete"), with
// the picker and the bot able to open its form.
func (a *Adapter) wantsPicker(text string) (string, bool) {
	if !a.picker.Enabled() {
		return "", false
	}
	if _, ok := a.bot.(opener); !ok {
		return "", false
	}
	// One word, in any case. (Not strings.Fields of the lowered text: a
	// command with 50 IDs would be copied twice to learn it is not.)
	word := strings.TrimSpace(text)
	for _, v := range pickerVerbs {
		if len(word) == len(v) && strings.EqualFold(word, v) {
			return v, true
		}
	}
	return "", false
}

// openPicker opens verb's picker form, or answers why not (not allowed,
// not configured) as a typed command would.
func (a *Adapter) openPicker(ctx context.Context, cmd slack.SlashCommand, who commands.Caller, verb string) any {
	o := a.bot.(opener).OpenPicker(ctx, bot.Request{Caller: who, Channel: cmd.ChannelID, Text: verb, Message: cmd.ResponseURL, Forms: true}, verb)
	if o.Form == nil {
		return ackMessage{o.Reply}
	}
	return a.openPickerView(ctx, cmd.TriggerID, who, verb, pickerModal(*o.Form, pickMeta{Channel: cmd.ChannelID, Reply: cmd.ResponseURL}))
}

// openPickerView opens a picker modal before the ack (trigger IDs live 3
// seconds).
func (a *Adapter) openPickerView(ctx context.Context, triggerID string, who commands.Caller, verb string, view slack.ModalViewRequest) any {
	ctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if err := a.openView(ctx, triggerID, view); err != nil {
		r := a.bot.InternalError(ctx, "slack: views.open failed", err, "user", who.UserID)
		r.Lines = append(r.Lines, "Meanwhile, type the command with its IDs: `/incident help "+verb+"`.")
		return message(r)
	}
	return nil
}

// idLabels are the ID fields' labels, by kind.
var idLabels = map[commands.IDKind]string{
	commands.SecMasterIncident: "SecMaster incident",
	commands.SecMasterAlert:    "Alerts of that incident",
	commands.CoralogixIncident: "Coralogix incidents",
	commands.COCTicket:         "COC ticket",
}

// idHint is the ID fields' placeholder.
const idHint = "Type part of a title or an ID"

// idBlocks are the ID fields of verb's form: an external select for one
// ID, a multi external select for several, fed by /slack/options;
// prefilled with known (space-separated IDs per argument).
func idBlocks(v commands.Verb, known map[string]string) []slack.Block {
	var blocks []slack.Block
	for _, arg := range v.Args {
		if arg.IDs == "" || arg.Continues != "" {
			continue
		}
		var initial []*slack.OptionBlockObject
		for _, id := range strings.Fields(known[arg.Name]) {
			initial = append(initial, slack.NewOptionBlockObject(reply.Clip(id, 150), text(picker.Short(id, maxOptionText)), nil))
		}
		label := idLabels[arg.IDs]
		var el slack.BlockElement
		if arg.Many {
			if arg.IDs == commands.SecMasterIncident {
				label += "s"
			}
			m := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, text(idHint), inputAction).WithMinQueryLength(0)
			if len(initial) > 0 {
				m.InitialOptions = initial
			}
			el = m
		} else {
			s := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, text(idHint), inputAction)
			zero := 0
			s.MinQueryLength = &zero
			if len(initial) > 0 {
				s.InitialOption = initial[0]
			}
			el = s
		}
		blocks = append(blocks, slack.NewInputBlock(idBlockID(v.Name, arg.Name), text(label), nil, el))
	}
	return blocks
}

// pickerModal is verb's form with its ID fields first: the verb's own form
// (resolve's cause and solution, verify's result) follows them.
func pickerModal(f bot.Form, meta pickMeta) slack.ModalViewRequest {
	view := modal(f, meta.Channel)
	meta.Values = f.Values
	view.PrivateMetadata = meta.encode()
	view.CallbackID = pickPrefix + f.Verb.Name
	view.Title = text(reply.Cut(strings.ToUpper(f.Verb.Name[:1])+f.Verb.Name[1:], maxModalTitle))
	if f.Verb.Destructive {
		view.Submit = text("Continue") // the confirmation follows
	}
	view.Blocks.BlockSet = append(idBlocks(f.Verb, f.Values), view.Blocks.BlockSet...)
	return view
}

// submitPicked handles a submitted picker form: the chosen IDs and the
// fields become the words of a typed command, which goes through the same
// gate (policy, confirmation). A problem is shown next to the field.
func (a *Adapter) submitPicked(ctx context.Context, cb slack.InteractionCallback, who commands.Caller) any {
	var meta pickMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	if cb.View.CallbackID == actCallback {
		return a.submitAct(ctx, cb, who, meta)
	}
	v, ok := commands.Lookup(strings.TrimPrefix(cb.View.CallbackID, pickPrefix))
	if !ok {
		return nil
	}
	values := map[string]string{}
	for _, arg := range v.Args {
		if arg.IDs != "" && arg.Continues == "" && cb.View.State != nil {
			values[arg.Name] = strings.Join(selected(cb.View.State.Values[idBlockID(v.Name, arg.Name)][inputAction]), " ")
		}
	}
	for _, o := range v.FormOptions() {
		values[o.Name] = value(cb.View.State, o.Name)
	}
	return a.runPicked(ctx, cb, who, meta, v, values)
}

// runPicked hands a form's words to the bot. A confirmation closes the
// form and is shown to the requester privately, with its buttons: through
// the response_url of the command that opened the form (so it is updated
// in place like a typed command's), else with chat.postEphemeral. A
// problem stays in the form, next to its field; work runs after the ack
// and its result goes to the channel.
func (a *Adapter) runPicked(ctx context.Context, cb slack.InteractionCallback, who commands.Caller, meta pickMeta, v commands.Verb, values map[string]string) any {
	channel := meta.Channel
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: channel, Words: v.Words(values), Message: meta.Reply})
	t := target{channel: channel, who: who}
	switch {
	case o.Token != "":
		a.work.Go(func(ctx context.Context) {
			if meta.Reply != "" {
				err := a.respond(ctx, meta.Reply, message(o.Reply))
				a.delivered(routeResponseURL, err, false)
				if err == nil {
					if o.Enrich != nil { // then the targets as the vendor sees them
						o.Enrich(ctx, func(ctx context.Context, r reply.Reply) { a.UpdateMessage(ctx, meta.Reply, r) })
					}
					return
				}
			}
			err := a.postEphemeral(ctx, t, o.Reply)
			a.delivered(routeEphemeral, err, meta.Reply != "")
			if err != nil {
				a.bot.Undelivered(ctx, who, channel, o.Reply, err)
			}
		})
		return nil
	case o.Work == nil:
		block := o.Field
		if v.Arg(block) != nil {
			block = idBlockID(v.Name, block)
		}
		if !hasBlock(cb.View, block) {
			block = firstBlock(cb.View)
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: reply.Cut(o.Reply.Title, 150)})
	}
	a.runWorkWith(o, nil, func(ctx context.Context, r reply.Reply) { a.deliver(ctx, t, r, false) })
	return nil
}
