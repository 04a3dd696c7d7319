package discord

import (
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Discord's limits for application commands and modals.
const (
	maxDescription     = 100
	maxOptionLength    = 6000
	maxModalInputs     = 5
	maxModalTitle      = 45
	maxInputLabel      = 45
	maxInputLength     = 4000
	maxInputHolder     = 100
	commandName        = "incident"
	commandDescription = "Incident actions; anything destructive asks for confirmation"
)

// Command is the /incident application command, generated from the verb
// schema: one subcommand per verb, its arguments and its options (those a
// verb's modal does not ask for) with their choices and limits. perms is
// its default_member_permissions (nil: everyone; see ParsePermissions).
func Command(perms *int64) *discordgo.ApplicationCommand {
	var subs []*discordgo.ApplicationCommandOption
	for _, v := range commands.Verbs() {
		sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: v.Name,
			Description: reply.Cut(v.Summary, maxDescription)}
		for _, a := range v.Args {
			o := stringOption(a.Name, a.Description, a.Required, a.MaxLen, a.Choices)
			o.Autocomplete = a.IDs != "" // choices from the vendor as the responder types
			sub.Options = append(sub.Options, o)
		}
		inModal := modalOptions(v, true)
		for _, o := range v.Options {
			if o.Switch() || slices.ContainsFunc(inModal, func(m commands.Option) bool { return m.Name == o.Name }) {
				continue
			}
			sub.Options = append(sub.Options, stringOption(o.Name, o.Help, o.Required, o.Limit(), o.Choices()))
		}
		// Discord wants required options first.
		slices.SortStableFunc(sub.Options, func(a, b *discordgo.ApplicationCommandOption) int {
			switch {
			case a.Required == b.Required:
				return 0
			case a.Required:
				return -1
			}
			return 1
		})
		subs = append(subs, sub)
	}
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	return &discordgo.ApplicationCommand{Name: commandName, Description: commandDescription, Contexts: &contexts, Options: subs,
		DefaultMemberPermissions: perms}
}

func stringOption(name, desc string, required bool, maxLen int, choices []commands.Choice) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name,
		Description: reply.Cut(desc, maxDescription), Required: required}
	if len(choices) == 0 {
		o.MaxLength = min(maxLen, maxOptionLength)
	}
	for _, c := range choices {
		o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: reply.Cut(c.Label, maxDescription), Value: c.Value})
	}
	return o
}

// modalOptions are the options a verb's modal asks for. Opened from the
// slash command, it asks the form's free text (choices are command
// options, where Discord offers them as a list); opened from a card's
// button, it asks the whole form. A modal holds at most five inputs.
func modalOptions(v commands.Verb, fromCommand bool) []commands.Option {
	if fromCommand && !v.HasRequiredText() {
		return nil
	}
	var out []commands.Option
	for _, o := range v.FormOptions() {
		if len(out) == maxModalInputs {
			break
		}
		if fromCommand && o.Choices() != nil {
			continue
		}
		out = append(out, o)
	}
	return out
}

// actCommandName is the message command's name as Discord shows it in a
// message's Apps menu (at most 32 characters).
const actCommandName = "Act on incidents in this message"

// Commands are every application command the bot registers: /incident
// and the message command that acts on the IDs a message names.
func Commands(perms *int64) []*discordgo.ApplicationCommand {
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	return []*discordgo.ApplicationCommand{Command(perms),
		{Type: discordgo.MessageApplicationCommand, Name: actCommandName, Contexts: &contexts, DefaultMemberPermissions: perms}}
}
