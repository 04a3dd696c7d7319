package slack

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/commands"
)

// Modal callback IDs and the action ID of every input.
const (
	callbackCreate = "incident_create"
	callbackVerify = "incident_verify"
	inputAction    = "value"
)

// The create form's inputs, named after the create command's options so
// that a problem with --title lands on the "title" block.
var createInputs = []struct {
	option, label, hint string
	optional            bool
}{
	{option: "title", label: "Title"},
	{option: "description", label: "Description"},
	{option: "level", label: "Level"},
	{option: "type", label: "Type"},
	{option: "source", label: "Source"},
	{option: "interrupted", label: "Is the service interrupted?"},
	{option: "app", label: "Application ID", hint: "ID of the COC application the incident belongs to"},
	{option: "assignee", label: "Owner (cloud user ID)", hint: "Or leave empty and give a scheduling scene and role", optional: true},
	{option: "scene", label: "Scheduling scene", optional: true},
	{option: "role", label: "Scheduling role", optional: true},
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func options(choices []commands.Choice) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, c := range choices {
		out = append(out, slack.NewOptionBlockObject(c.Value, text(c.Label), nil))
	}
	return out
}

// createModal is the form behind "/incident create". The channel it came
// from travels in private_metadata so the card lands there.
func createModal(channel string) slack.ModalViewRequest {
	var blocks []slack.Block
	for _, in := range createInputs {
		var el slack.BlockElement
		switch in.option {
		case "title":
			el = slack.NewPlainTextInputBlockElement(text("DB down in eu-west"), inputAction).WithMaxLength(commands.MaxTitle)
		case "description":
			el = slack.NewPlainTextInputBlockElement(text("What is happening, since when, who is affected"), inputAction).WithMaxLength(commands.MaxDescription).WithMultiline(true)
		case "level":
			el = slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text("P1 … P5"), inputAction, options(commands.Levels())...)
		case "type":
			el = slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text("Incident type"), inputAction, options(commands.Types())...)
		case "source":
			s := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, inputAction, options(commands.Sources())...)
			s.InitialOption = s.Options[0]
			el = s
		case "interrupted":
			el = slack.NewRadioButtonsBlockElement(inputAction, options([]commands.Choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}})...)
		default:
			el = slack.NewPlainTextInputBlockElement(nil, inputAction).WithMaxLength(255)
		}
		var hint *slack.TextBlockObject
		if in.hint != "" {
			hint = text(in.hint)
		}
		b := slack.NewInputBlock(in.option, text(in.label), hint, el)
		b.Optional = in.optional
		blocks = append(blocks, b)
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackCreate, PrivateMetadata: channel,
		Title: text("Create incident"), Submit: text("Create"), Close: text("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

type verifyMeta struct {
	Channel string `json:"channel"`
	Ticket  string `json:"ticket"`
}

// verifyModal is the form behind an incident card's Verify button.
func verifyModal(channel, ticket string) slack.ModalViewRequest {
	meta, _ := json.Marshal(verifyMeta{Channel: channel, Ticket: ticket})
	result := slack.NewRadioButtonsBlockElement(inputAction, options([]commands.Choice{{Value: "pass", Label: "Passed: the fix holds"}, {Value: "fail", Label: "Failed: the problem is back"}})...)
	comment := slack.NewPlainTextInputBlockElement(text("What you checked"), inputAction).WithMaxLength(commands.MaxComment).WithMultiline(true)
	commentBlock := slack.NewInputBlock("comment", text("Comment"), nil, comment)
	commentBlock.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackVerify, PrivateMetadata: string(meta),
		Title: text("Verify " + cut(ticket, 17)), Submit: text("Verify"), Close: text("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("result", text("Result"), nil, result), commentBlock}},
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

// submit handles a modal submission: the fields become the same words a
// typed command has, so the one grammar validates both. A problem with one
// field is answered next to it; otherwise the modal closes and the result is
// posted to the channel the form came from.
func (a *Adapter) submit(ctx context.Context, cb slack.InteractionCallback, who commands.Caller) any {
	var words []string
	var channel string
	switch cb.View.CallbackID {
	case callbackCreate:
		channel = cb.View.PrivateMetadata
		words = []string{"create"}
		for _, in := range createInputs {
			if v := value(cb.View.State, in.option); v != "" {
				words = append(words, "--"+in.option, v)
			}
		}
	case callbackVerify:
		var meta verifyMeta
		_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
		channel = meta.Channel
		words = []string{"verify", meta.Ticket, "--" + value(cb.View.State, "result")}
		if c := value(cb.View.State, "comment"); c != "" {
			words = append(words, "--comment", c)
		}
	default:
		return nil
	}
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: channel, Words: words})
	if o.Work == nil {
		block := o.Field
		if !hasBlock(cb.View, block) {
			block = firstBlock(cb.View)
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: cut(o.Reply.Title, 150)})
	}
	a.after(func(ctx context.Context) { a.post(ctx, channel, who, o.Work(ctx)) })
	return nil
}

// post sends a form's result to its channel: public results as a message,
// anything else ephemerally to the user who submitted it.
func (a *Adapter) post(ctx context.Context, channel string, who commands.Caller, r reply.Reply) {
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	opts := []slack.MsgOption{slack.MsgOptionText(fallback(r), false), slack.MsgOptionBlocks(Blocks(r)...)}
	var err error
	if r.Public {
		_, _, err = a.api.PostMessageContext(ctx, channel, opts...)
	} else {
		_, err = a.api.PostEphemeralContext(ctx, channel, who.UserID, opts...)
	}
	if err != nil {
		a.log.Error("posting a form's result failed", "error", err, "channel", channel, "user", who.UserID)
	}
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
