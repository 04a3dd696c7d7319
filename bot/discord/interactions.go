package discord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/deliver"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// handle turns an interaction into its initial response, and the work to do
// once that response is sent (nil when there is none).
func (a *Adapter) handle(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(context.Context)) {
	if i.Type == discordgo.InteractionPing {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil
	}
	who, ok := caller(i)
	if !ok {
		return say(reply.Reply{Tone: reply.Failure, Title: "Nothing was run: this interaction does not say who sent it."}), nil
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		return a.command(ctx, i, who)
	case discordgo.InteractionMessageComponent:
		return a.component(ctx, i, who)
	case discordgo.InteractionModalSubmit:
		return a.modalSubmit(ctx, i, who)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return a.autocomplete(ctx, i, who), nil
	}
	return say(reply.Reply{Tone: reply.Failure, Title: "This kind of interaction is not supported."}), nil
}

// caller is who acted: Member.User in a guild, User in a DM. An
// interaction that names nobody is refused: "unknown" must never be able
// to confirm another "unknown"'s action.
func caller(i *discordgo.Interaction) (commands.Caller, bool) {
	u := i.User
	if i.Member != nil && i.Member.User != nil {
		u = i.Member.User
	}
	if u == nil || u.ID == "" {
		return commands.Caller{}, false
	}
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	return commands.Caller{Platform: "discord", UserID: u.ID, Name: name}, true
}

// roles are the member's roles in the guild the interaction came from
// (none in a DM), for the access policy.
func roles(i *discordgo.Interaction) []string {
	if i.Member == nil {
		return nil
	}
	return i.Member.Roles
}

// malformed answers an interaction whose data is missing or of the wrong
// kind for its type: Discord never sends one, so it is refused, not run.
var malformed = reply.Reply{Tone: reply.Failure, Title: "Nothing was run: this interaction is malformed.", Lines: []string{"Use /incident as Discord offers it."}}

func say(r reply.Reply) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: message(r)}
}

// optionValues reads a subcommand's options as text, whatever type Discord
// sent them as. Malformed input is an error, never a panic.
func optionValues(opts []*discordgo.ApplicationCommandInteractionDataOption) (map[string]string, error) {
	values := map[string]string{}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("an option is empty")
		}
		switch v := o.Value.(type) {
		case string:
			values[o.Name] = strings.TrimSpace(v)
		case bool:
			values[o.Name] = map[bool]string{true: "yes", false: "no"}[v]
		case float64:
			values[o.Name] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return nil, fmt.Errorf("option %q has a value of an unexpected kind", reply.Cut(o.Name, 32))
		}
	}
	return values, nil
}

// command handles /incident <subcommand>: its options become the words
// of a typed command; a verb whose form asks for text opens its modal.
func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction, who commands.Caller) (*discordgo.InteractionResponse, func(context.Context)) {
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return say(malformed), nil
	}
	if data.CommandType == discordgo.MessageApplicationCommand {
		return a.messageCommand(ctx, i, who, data), nil
	}
	if len(data.Options) == 0 || data.Options[0] == nil {
		return a.run(ctx, i, who, []string{}) // no subcommand: the overview
	}
	sub := data.Options[0]
	v, ok := commands.Lookup(sub.Name)
	if !ok {
		return a.run(ctx, i, who, []string{sub.Name})
	}
	values, err := optionValues(sub.Options)
	if err != nil {
		return say(reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + err.Error() + ".", Lines: []string{"Use the options Discord offers for /incident " + v.Name + "."}}), nil
	}
	if fields := modalOptions(v, true); len(fields) > 0 {
		o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: i.ChannelID, Press: reply.Press{Kind: reply.Form, Verb: v.Name}, Roles: roles(i)})
		if o.Form == nil {
			return say(o.Reply), nil
		}
		key, err := a.forms.put(ctx, values)
		if err != nil {
			return say(a.bot.InternalError(ctx, "discord: keeping a form's values failed", err)), nil
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: modal(v, key, fields, "")}, nil
	}
	return a.run(ctx, i, who, v.Words(values))
}

// run hands words to the bot and answers: inline when nothing is slow, a
// confirmation for destructive verbs, or a deferred response that the
// result edits later.
func (a *Adapter) run(ctx context.Context, i *discordgo.Interaction, who commands.Caller, words []string) (*discordgo.InteractionResponse, func(context.Context)) {
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: i.ChannelID, Words: words, Message: messageRef(i), Roles: roles(i), Replay: takeReplay(ctx)})
	if o.Replay {
		wasReplayed(ctx)
		return nil, nil
	}
	if o.Work == nil {
		return say(o.Reply), a.enrich(i, o)
	}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}
	return deferred, a.later(i, who, o)
}

// later is the work after the initial response: o.Work, then its result
// delivered. If a graceful stop's deadline comes first, the user is told
// that the outcome is unknown instead.
func (a *Adapter) later(i *discordgo.Interaction, who commands.Caller, o bot.Outcome) func(context.Context) {
	p := &progress{a: a, i: i} // the work's progress edits the same message as it goes
	work := o.Work
	o.Work = func(ctx context.Context, _ bot.Progress) reply.Reply { return work(ctx, p.show) }
	return a.laterWith(o, func(ctx context.Context, r reply.Reply) { a.deliver(ctx, i, who, r) })
}

// laterWith is later with its own way of showing the result (a card).
func (a *Adapter) laterWith(o bot.Outcome, show func(context.Context, reply.Reply)) func(context.Context) {
	done := func() bool { return true }
	if o.Unfinished != nil {
		done = a.work.OnStop(func(ctx context.Context) { show(ctx, o.Unfinished()) })
	}
	return func(ctx context.Context) {
		defer done()
		r := o.Work(ctx, nil)
		if done() { // else a stop's deadline came first and its notice was shown
			show(ctx, r)
		}
	}
}

// component handles button presses: Confirm, Cancel, and a card's buttons.
func (a *Adapter) component(ctx context.Context, i *discordgo.Interaction, who commands.Caller) (*discordgo.InteractionResponse, func(context.Context)) {
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		return say(malformed), nil
	}
	if strings.HasPrefix(data.CustomID, actPrefix) {
		return a.act(ctx, i, who, data)
	}
	p, err := reply.ParsePress(data.CustomID)
	if err != nil {
		return say(reply.Reply{Tone: reply.Failure, Title: capitalize(err.Error()) + "."}), nil
	}
	o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: i.ChannelID, Press: p, Roles: roles(i), Replay: takeReplay(ctx)})
	if o.Replay {
		wasReplayed(ctx)
		return nil, nil
	}
	switch {
	case o.Form != nil:
		key, err := a.forms.put(ctx, o.Form.Values)
		if err != nil {
			return say(a.bot.InternalError(ctx, "discord: keeping a form's values failed", err)), nil
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
			Data: modal(o.Form.Verb, key, modalOptions(o.Form.Verb, false), p.Value)}, nil
	case o.Notice && o.Work != nil: // a private note now and another after (a Check)
		return say(o.Reply), func(ctx context.Context) { a.privately(ctx, i, o.Work(ctx, nil)) }
	case o.Notice: // a private note; the confirmation stays as it is
		return say(o.Reply), nil
	case p.Kind == reply.Form: // a card's step: the card moves with it
		if o.Work == nil {
			return say(o.Reply), nil
		}
		return deferredCardUpdate, a.laterWith(o, func(ctx context.Context, r reply.Reply) { a.moveCard(ctx, i, r) })
	}
	update := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: message(o.Reply)}
	update.Data.Flags = 0 // an update keeps the message's own visibility
	if o.Work == nil {
		return update, nil
	}
	return update, a.later(i, who, o)
}

// modalSubmit handles a submitted form: what the form already knew and
// what was typed become a command's words.
func (a *Adapter) modalSubmit(ctx context.Context, i *discordgo.Interaction, who commands.Caller) (*discordgo.InteractionResponse, func(context.Context)) {
	data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
	if !ok {
		return say(malformed), nil
	}
	rest, ok := strings.CutPrefix(data.CustomID, modalPrefix)
	verb, key, _ := strings.Cut(rest, ":")
	v, known := commands.Lookup(verb)
	if !ok || !known {
		return say(reply.Reply{Tone: reply.Failure, Title: "This form is not known to the bot."}), nil
	}
	values, ok, err := a.forms.take(ctx, key)
	if err != nil {
		return say(a.bot.InternalError(ctx, "discord: reading a form's values failed", err)), nil
	}
	if !ok {
		return say(reply.Reply{Tone: reply.Warning, Title: "This form has expired. Nothing was run; run /incident " + v.Name + " again."}), nil
	}
	for _, row := range data.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok || r == nil {
			continue
		}
		for _, c := range r.Components {
			if in, ok := c.(*discordgo.TextInput); ok && in != nil && v.Option(in.CustomID) != nil {
				values[in.CustomID] = strings.TrimSpace(in.Value)
			}
		}
	}
	if i.Message != nil && values[actValue] == "" { // opened from a card's button: the card moves with the step
		o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: i.ChannelID, Words: v.Words(values), Roles: roles(i)})
		if o.Work == nil {
			return say(o.Reply), nil
		}
		return deferredCardUpdate, func(ctx context.Context) { a.moveCard(ctx, i, o.Work(ctx, nil)) }
	}
	return a.run(ctx, i, who, v.Words(values))
}

// deliver shows a finished result through the shared fallback chain
// (bot/deliver): in place of the message it answers and, when public, in
// a follow-up too; else in a private follow-up, then in the channel as a
// message from the bot, then as undelivered in the audit log.
func (a *Adapter) deliver(ctx context.Context, i *discordgo.Interaction, who commands.Caller, r reply.Reply) {
	a.chain.Deliver(ctx, a.routes(i), deliver.Target{Who: who, Channel: i.ChannelID, InPlace: true}, r)
}

// routes are Discord's ways of showing a result of interaction i.
func (a *Adapter) routes(i *discordgo.Interaction) deliver.Routes {
	return deliver.Routes{
		InPlace: deliver.Route{Name: routeEdit, Send: func(ctx context.Context, r reply.Reply) error {
			err := a.rest(ctx, func() error { _, err := a.session.InteractionResponseEdit(i, edit(r)); return err })
			var rl *discordgo.RateLimitError
			if errors.As(err, &rl) {
				return fmt.Errorf("%w: %w", deliver.ErrRateLimited, err)
			}
			return err
		}},
		Public: []deliver.Route{{Name: routeFollowup, Send: func(ctx context.Context, r reply.Reply) error {
			params := &discordgo.WebhookParams{Embeds: []*discordgo.MessageEmbed{embed(r)}, Components: components(r), AllowedMentions: noMentions()}
			return a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, withFile(params, r)); return err })
		}}},
		Private: deliver.Route{Name: routeFollowup, Send: func(ctx context.Context, r reply.Reply) error {
			params := &discordgo.WebhookParams{Embeds: []*discordgo.MessageEmbed{embed(r)}, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}
			return a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, params); return err })
		}},
		Channel: deliver.Route{Name: routeChannel, Send: func(ctx context.Context, r reply.Reply) error { return a.channelMessage(ctx, i, r) }},
	}
}

// channelMessage posts r in the interaction's channel with the bot token:
// the route that needs no interaction token.
func (a *Adapter) channelMessage(ctx context.Context, i *discordgo.Interaction, r reply.Reply) error {
	if i.ChannelID == "" {
		return errors.New("no channel to post in")
	}
	msg := &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed(r)}, Components: components(r), AllowedMentions: noMentions()}
	return a.rest(ctx, func() error { _, err := a.session.ChannelMessageSendComplex(i.ChannelID, msg); return err })
}

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// messageRef names an interaction's message for a later edit: the
// application ID and the interaction token (a credential; never logged).
func messageRef(i *discordgo.Interaction) string { return i.AppID + "/" + i.Token }

// UpdateMessage replaces the message of an interaction named by
// messageRef: the bot's Updater for Discord (an expired confirmation).
func (a *Adapter) UpdateMessage(ctx context.Context, ref string, r reply.Reply) {
	if strings.HasPrefix(ref, postRef) { // a message of the bot's own
		if err := a.updatePosted(ctx, ref, r); err != nil {
			a.log.Warn("updating a message of the bot's own failed", "error", err, "title", r.Title)
		}
		return
	}
	appID, token, ok := strings.Cut(ref, "/")
	if !ok {
		return
	}
	i := &discordgo.Interaction{AppID: appID, Token: token}
	if err := a.rest(ctx, func() error { _, err := a.session.InteractionResponseEdit(i, edit(r)); return err }); err != nil {
		a.log.Warn("updating a confirmation's message failed", "error", err, "title", r.Title)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
