package discord

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// actPrefix starts the custom ID of the act form's verb menu: "act:KEY",
// KEY naming the found IDs in the form store.
const actPrefix = "act:"

// actValue marks, among a form's known values, a form opened from the act
// menu: its result is a command's, not a card's step (the menu's message is
// no ticket card). It is no option of any verb, so the grammar never sees it.
const actValue = "_act"

// maxSelectLabel is Discord's limit on a select option's label.
const maxSelectLabel = 100

// messageCommand answers "Act on incidents in this message": it finds the
// IDs in the message (its content and its embeds) and privately offers
// the verbs they fit and the caller may request, in a menu; the pick goes
// through act. No ID, or no verb allowed, is a private answer that says
// so, with no vendor read.
func (a *Adapter) messageCommand(ctx context.Context, i *discordgo.Interaction, who commands.Caller, data discordgo.ApplicationCommandInteractionData) *discordgo.InteractionResponse {
	var msg *discordgo.Message
	if data.Resolved != nil {
		msg = data.Resolved.Messages[data.TargetID]
	}
	if msg == nil {
		return say(malformed)
	}
	texts := []string{msg.Content}
	if raw, err := json.Marshal(msg.Embeds); err == nil {
		texts = append(texts, picker.Strings(raw)...)
	}
	found := picker.Scan(texts...)
	if found.Empty() {
		return say(picker.NoIDs())
	}
	offers := a.picker.Offers(ctx, picker.Who{Caller: who, Roles: roles(i), Channel: i.ChannelID}, found)
	if len(offers) == 0 {
		return say(picker.NoneAllowed())
	}
	values := map[string]string{}
	menu := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, Placeholder: "Choose what to do", MinValues: new(1), MaxValues: 1}
	for _, o := range offers {
		for arg, v := range o.Values {
			values[o.Verb+"."+arg] = v
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: reply.Cut(o.Label, maxSelectLabel), Value: o.Verb})
	}
	key, err := a.forms.put(ctx, values)
	if err != nil {
		return say(a.bot.InternalError(ctx, "discord: keeping a message's IDs failed", err))
	}
	menu.CustomID = actPrefix + key
	d := message(picker.Choose(found))
	d.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}}}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: d}
}

// act handles the verb picked in the act form: a verb with a form (resolve,
// verify) opens its modal with the ticket filled in; any other goes to the
// bot like a typed command, and the form becomes its confirmation (or its
// result). The policy is asked again on the way, as for anything typed.
func (a *Adapter) act(ctx context.Context, i *discordgo.Interaction, who commands.Caller, data discordgo.MessageComponentInteractionData) (*discordgo.InteractionResponse, func(context.Context)) {
	key := strings.TrimPrefix(data.CustomID, actPrefix)
	if len(data.Values) != 1 {
		return say(malformed), nil
	}
	v, ok := commands.Lookup(data.Values[0])
	if !ok {
		return say(malformed), nil
	}
	stored, ok, err := a.forms.take(ctx, key)
	if err != nil {
		return say(a.bot.InternalError(ctx, "discord: reading a message's IDs failed", err)), nil
	}
	if !ok {
		return say(reply.Reply{Tone: reply.Warning, Title: "This form has expired. Nothing was run; use the message's Apps menu again."}), nil
	}
	values := map[string]string{}
	for k, val := range stored {
		if arg, ok := strings.CutPrefix(k, v.Name+"."); ok {
			values[arg] = val
		}
	}
	if len(values) == 0 {
		return say(malformed), nil
	}
	if fields := modalOptions(v, false); len(fields) > 0 {
		ticket := values[v.Args[0].Name]
		o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: i.ChannelID, Roles: roles(i), Press: reply.Press{Kind: reply.Form, Verb: v.Name, Value: ticket}})
		if o.Form == nil {
			return say(o.Reply), nil
		}
		known := map[string]string{actValue: "1"}
		for k, val := range o.Form.Values {
			known[k] = val
		}
		formKey, err := a.forms.put(ctx, known)
		if err != nil {
			return say(a.bot.InternalError(ctx, "discord: keeping a form's values failed", err)), nil
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: modal(v, formKey, fields, ticket)}, nil
	}
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: i.ChannelID, Words: v.Words(values), Message: messageRef(i), Roles: roles(i)})
	update := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: message(o.Reply)}
	update.Data.Flags = 0 // an update keeps the message's own visibility
	if o.Work == nil {
		return update, a.enrich(i, o)
	}
	return update, a.later(i, who, o)
}
