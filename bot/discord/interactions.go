package discord

import (
	"context"
	"errors"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/reply"
	"github.com/incidentbot/incidentbot/commands"
)

// handle turns an interaction into its initial response, and the work to do
// once that response is sent (nil when there is none).
func (a *Adapter) handle(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(context.Context)) {
	switch i.Type {
	case discordgo.InteractionPing:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil
	case discordgo.InteractionApplicationCommand:
		return a.command(ctx, i)
	case discordgo.InteractionMessageComponent:
		return a.component(ctx, i)
	case discordgo.InteractionModalSubmit:
		return a.modalSubmit(ctx, i)
	}
	return say(reply.Reply{Tone: reply.Failure, Title: "This kind of interaction is not supported."}), nil
}

// caller is who acted: Member.User in a guild, User in a DM.
func caller(i *discordgo.Interaction) commands.Caller {
	u := i.User
	if i.Member != nil && i.Member.User != nil {
		u = i.Member.User
	}
	if u == nil {
		return commands.Caller{Platform: "discord", UserID: "unknown", Name: "unknown"}
	}
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	return commands.Caller{Platform: "discord", UserID: u.ID, Name: name}
}

func say(r reply.Reply) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: message(r)}
}

// command handles /incident <subcommand>.
func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(context.Context)) {
	data := i.ApplicationCommandData()
	if len(data.Options) == 0 {
		return a.run(ctx, i, []string{"help"})
	}
	sub := data.Options[0]
	opts := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	for _, o := range sub.Options {
		opts[o.Name] = o
	}
	get := func(name string) string {
		if o, ok := opts[name]; ok {
			if o.Type == discordgo.ApplicationCommandOptionBoolean {
				if o.BoolValue() {
					return "yes"
				}
				return "no"
			}
			return strings.TrimSpace(o.StringValue())
		}
		return ""
	}
	words := []string{sub.Name}
	switch sub.Name {
	case "help":
		if c := get("command"); c != "" {
			words = append(words, c)
		}
	case "create":
		if err := a.bot.Registry().Configured("create"); err != nil {
			return say(reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + err.Error() + "."}), nil
		}
		var preset []string
		for _, name := range []string{"level", "type", "interrupted", "source", "scene", "role"} {
			if v := get(name); v != "" {
				preset = append(preset, "--"+name, v)
			}
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: createModal(a.forms.put(preset))}, nil
	case "verify":
		words = append(words, get("ticket"), "--"+get("result"))
		if c := get("comment"); c != "" {
			words = append(words, "--comment", c)
		}
	case "delete", "unassign":
		words = append(words, strings.Fields(get("ids"))...)
	case "unlink":
		words = append(words, get("incident"))
		words = append(words, strings.Fields(get("alerts"))...)
	}
	return a.run(ctx, i, words)
}

// run hands words to the bot and answers: inline when nothing is slow, a
// confirmation for destructive verbs, or a deferred response that the
// result edits later.
func (a *Adapter) run(ctx context.Context, i *discordgo.Interaction, words []string) (*discordgo.InteractionResponse, func(context.Context)) {
	o := a.bot.Handle(ctx, bot.Request{Caller: caller(i), Channel: i.ChannelID, Words: words,
		OnExpiry: func(r reply.Reply) { a.editOriginal(context.Background(), i, r) }})
	if o.Work == nil {
		return say(o.Reply), nil
	}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}
	return deferred, func(ctx context.Context) { a.deliver(ctx, i, o.Work(ctx)) }
}

// component handles button presses: Confirm, Cancel, and a card's Verify.
func (a *Adapter) component(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(context.Context)) {
	kind, value, _ := strings.Cut(i.MessageComponentData().CustomID, ":")
	switch reply.Action(kind) {
	case reply.Verify:
		if err := a.bot.Registry().Configured("verify"); err != nil {
			return say(reply.Reply{Tone: reply.Failure, Title: "Nothing was run: " + err.Error() + "."}), nil
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: verifyModal(value)}, nil
	case reply.Confirm, reply.Cancel:
	default:
		return say(reply.Reply{Tone: reply.Failure, Title: "This button is not known to the bot."}), nil
	}
	click := bot.Click{Caller: caller(i), Channel: i.ChannelID, Token: value}
	var o bot.Outcome
	if reply.Action(kind) == reply.Confirm {
		o = a.bot.Confirm(ctx, click)
	} else {
		o = a.bot.Cancel(ctx, click)
	}
	if o.Notice { // a private note; the confirmation stays as it is
		return say(o.Reply), nil
	}
	update := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: message(o.Reply)}
	update.Data.Flags = 0 // an update keeps the message's own visibility
	if o.Work == nil {
		return update, nil
	}
	return update, func(ctx context.Context) { a.deliver(ctx, i, o.Work(ctx)) }
}

// modalSubmit handles the create and verify forms.
func (a *Adapter) modalSubmit(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(context.Context)) {
	data := i.ModalSubmitData()
	fields := map[string]string{}
	for _, row := range data.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			if in, ok := c.(*discordgo.TextInput); ok {
				fields[in.CustomID] = strings.TrimSpace(in.Value)
			}
		}
	}
	kind, value, _ := strings.Cut(data.CustomID, ":")
	var words []string
	switch kind {
	case formCreate:
		preset, ok := a.forms.take(value)
		if !ok {
			return say(reply.Reply{Tone: reply.Warning, Title: "This form has expired. Nothing was run; run /incident create again."}), nil
		}
		words = append([]string{"create"}, preset...)
		for _, name := range createInputs {
			if v := fields[name]; v != "" {
				words = append(words, "--"+name, v)
			}
		}
	case formVerify:
		words = []string{"verify", value, "--" + strings.ToLower(fields["result"])}
		if c := fields["comment"]; c != "" {
			words = append(words, "--comment", c)
		}
	default:
		return say(reply.Reply{Tone: reply.Failure, Title: "This form is not known to the bot."}), nil
	}
	return a.run(ctx, i, words)
}

// deliver shows a finished result in place of the message it answers and,
// when the result is public, also posts it to the channel.
func (a *Adapter) deliver(ctx context.Context, i *discordgo.Interaction, r reply.Reply) {
	a.editOriginal(ctx, i, r)
	if !r.Public {
		return
	}
	embeds := []*discordgo.MessageEmbed{embed(r)}
	params := &discordgo.WebhookParams{Embeds: embeds, Components: components(r), AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	if err := a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, params); return err }); err != nil {
		a.log.Error("posting the result to the channel failed", "error", err, "title", r.Title)
	}
}

// editOriginal replaces the interaction's message with r. If Discord keeps
// refusing the edit for rate limits, the result goes to the user in a
// private follow-up instead: a different route, with a limit of its own.
func (a *Adapter) editOriginal(ctx context.Context, i *discordgo.Interaction, r reply.Reply) {
	err := a.rest(ctx, func() error { _, err := a.session.InteractionResponseEdit(i, edit(r)); return err })
	if err == nil {
		return
	}
	a.log.Error("updating the message failed", "error", err, "title", r.Title)
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) {
		return
	}
	r.Lines = append([]string{"Discord is rate-limiting updates to the message above, so here is the result."}, r.Lines...)
	r.Buttons = nil
	d := message(r)
	params := &discordgo.WebhookParams{Embeds: d.Embeds, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: d.AllowedMentions}
	if err := a.rest(ctx, func() error { _, err := a.session.FollowupMessageCreate(i, false, params); return err }); err != nil {
		a.log.Error("telling the user about the rate limit failed", "error", err, "title", r.Title)
	}
}
