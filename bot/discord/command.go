package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands"
)

// Command is the /incident application command. Its subcommand and option
// names are part of the bot's interface.
func Command() *discordgo.ApplicationCommand {
	str := discordgo.ApplicationCommandOptionString
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	opt := func(t discordgo.ApplicationCommandOptionType, name, desc string, required bool, maxLen int, choices ...commands.Choice) *discordgo.ApplicationCommandOption {
		o := &discordgo.ApplicationCommandOption{Type: t, Name: name, Description: desc, Required: required, MaxLength: maxLen}
		for _, c := range choices {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c.Label, Value: c.Value})
		}
		return o
	}
	var verbs []commands.Choice
	for _, v := range []string{"create", "verify", "delete", "unlink", "unassign"} {
		verbs = append(verbs, commands.Choice{Value: v, Label: v})
	}
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	return &discordgo.ApplicationCommand{
		Name:        "incident",
		Description: "Incident actions; anything destructive asks for confirmation",
		Contexts:    &contexts,
		Options: []*discordgo.ApplicationCommandOption{
			sub("help", "Show the commands, or the details of one",
				opt(str, "command", "The command to explain", false, 0, verbs...)),
			sub("create", "Create a COC incident ticket (a form asks for title, description and application)",
				opt(str, "level", "Severity", true, 0, commands.Levels()...),
				opt(str, "type", "Incident type", true, 0, commands.Types()...),
				opt(discordgo.ApplicationCommandOptionBoolean, "interrupted", "Is the service interrupted?", true, 0),
				opt(str, "source", "Where it came from (default: manual)", false, 0, commands.Sources()...),
				opt(str, "scene", "Scheduling scene, with role, instead of an owner", false, 255),
				opt(str, "role", "Scheduling role, with scene", false, 255)),
			sub("verify", "Record whether a ticket's fix passed verification",
				opt(str, "ticket", "Ticket number, e.g. IM202403221515060171753781", true, 255),
				opt(str, "result", "Did the fix hold?", true, 0, commands.Choice{Value: "pass", Label: "pass"}, commands.Choice{Value: "fail", Label: "fail"}),
				opt(str, "comment", "What you checked", false, commands.MaxComment)),
			sub("delete", "Delete SecMaster incidents (asks for confirmation)",
				opt(str, "ids", "Incident IDs, separated by spaces or commas", true, 6000)),
			sub("unlink", "Unlink alerts from a SecMaster incident (asks for confirmation)",
				opt(str, "incident", "The incident's ID", true, 128),
				opt(str, "alerts", "Alert IDs, separated by spaces or commas", true, 6000)),
			sub("unassign", "Remove user assignments from Coralogix incidents (asks for confirmation)",
				opt(str, "ids", "Incident IDs, separated by spaces or commas", true, 6000)),
		},
	}
}
