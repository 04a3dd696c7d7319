package slack

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Modal limits (https://api.slack.com/reference/surfaces/views).
const (
	maxModalTitle  = 24
	maxPlaceholder = 150
	maxOptionText  = 75
	maxInputLength = 3000 // plain_text_input max_length
)

// A modal's callback ID is callbackPrefix + the verb; each input's block
// ID is the option's name and its action ID is inputAction.
const (
	callbackPrefix = "incident:"
	inputAction    = "value"
)

// cardValue names, among a form's values, the key of the card it was
// opened from; it is no option of any verb, so the grammar never sees it.
const cardValue = "_card"

func withCard(values map[string]string, key string) map[string]string {
	if key == "" {
		return values
	}
	out := map[string]string{cardValue: key}
	for k, v := range values {
		out[k] = v
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	raw, _ := json.Marshal(v)
	return raw
}

// formMeta travels in a modal's private_metadata: where the result goes,
// and the values the form does not ask for (the ticket a card is about).
type formMeta struct {
	Channel string            `json:"channel"`
	Values  map[string]string `json:"values,omitempty"`
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func options(choices []commands.Choice) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, c := range choices {
		out = append(out, slack.NewOptionBlockObject(c.Value, text(reply.Cut(c.Label, maxOptionText)), nil))
	}
	return out
}

// formTitle names a form: the verb, and the object it is about.
func formTitle(f bot.Form) string {
	title := f.Verb.FormTitle
	if len(f.Verb.Args) > 0 {
		if v := f.Values[f.Verb.Args[0].Name]; v != "" {
			title += " " + v
		}
	}
	return reply.Cut(title, maxModalTitle)
}

// modal renders a verb's form, generated from the verb's schema: text
// inputs with its limits, selects (radio buttons for two choices) with its
// choices, its labels and hints.
func modal(f bot.Form, channel string) slack.ModalViewRequest {
	var blocks []slack.Block
	for _, o := range f.Verb.FormOptions() {
		var el slack.BlockElement
		var placeholder *slack.TextBlockObject
		if o.Hint != "" {
			placeholder = text(reply.Cut(o.Hint, maxPlaceholder))
		}
		switch choices := o.Choices(); {
		case len(choices) == 2:
			el = slack.NewRadioButtonsBlockElement(inputAction, options(choices)...)
		case choices != nil:
			el = slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, inputAction, options(choices)...)
		default:
			el = slack.NewPlainTextInputBlockElement(placeholder, inputAction).WithMaxLength(min(o.Limit(), maxInputLength)).WithMultiline(o.Long)
		}
		b := slack.NewInputBlock(o.Name, text(o.Label), nil, el)
		b.Optional = !o.Required
		blocks = append(blocks, b)
	}
	meta, _ := json.Marshal(formMeta{Channel: channel, Values: f.Values})
	submit := strings.ToUpper(f.Verb.Name[:1]) + f.Verb.Name[1:]
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackPrefix + f.Verb.Name, PrivateMetadata: string(meta),
		Title: text(formTitle(f)), Submit: text(reply.Cut(submit, maxModalTitle)), Close: text("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// value reads one input of a submitted view.
func value(state *slack.ViewState, block string) string {
	if state == nil {
		return ""
	}
	v := state.Values[block][inputAction]
	if v.SelectedOption.Value != "" {
		return v.SelectedOption.Value
	}
	return strings.TrimSpace(v.Value)
}

// openForm opens a modal; trigger IDs live 3 seconds, so this happens
// before the ack.
func (a *Adapter) openForm(ctx context.Context, triggerID string, who commands.Caller, f bot.Form, channel string) any {
	ctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if err := a.openView(ctx, triggerID, modal(f, channel)); err != nil {
		r := a.bot.InternalError(ctx, "slack: views.open failed", err, "user", who.UserID)
		r.Lines = append(r.Lines, "Meanwhile, type the command with its options: `/incident help "+f.Verb.Name+"`.")
		return message(r)
	}
	return nil
}

// submit handles a modal submission: the fields become the same words a
// typed command has, so the one grammar validates both. A problem with one
// field is answered next to it; otherwise the modal closes and the result is
// posted to the channel the form came from.
func (a *Adapter) submit(ctx context.Context, cb slack.InteractionCallback, who commands.Caller) any {
	verb, ok := strings.CutPrefix(cb.View.CallbackID, callbackPrefix)
	v, known := commands.Lookup(verb)
	if !ok || !known {
		return nil
	}
	var meta formMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	values := map[string]string{}
	for k, val := range meta.Values {
		values[k] = val
	}
	for _, o := range v.FormOptions() {
		values[o.Name] = value(cb.View.State, o.Name)
	}
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: meta.Channel, Words: v.Words(values)})
	if o.Work == nil {
		block := o.Field
		if !hasBlock(cb.View, block) {
			block = firstBlock(cb.View)
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: reply.Cut(o.Reply.Title, 150)})
	}
	cardKey := meta.Values[cardValue]
	t := target{channel: meta.Channel, who: who}
	a.runWorkWith(o, nil, func(ctx context.Context, r reply.Reply) {
		if c, ok := a.takeCard(ctx, cardKey); ok {
			a.showStep(ctx, c, t, r)
			return
		}
		a.deliver(ctx, t, r, false)
	})
	return nil
}

func hasBlock(v slack.View, id string) bool {
	if id == "" {
		return false
	}
	for _, b := range v.Blocks.BlockSet {
		if b.ID() == id {
			return true
		}
	}
	return false
}

func firstBlock(v slack.View) string {
	for _, b := range v.Blocks.BlockSet {
		if b.BlockType() == slack.MBTInput {
			return b.ID()
		}
	}
	return "title"
}
