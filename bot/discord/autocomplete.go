package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
)

// autocomplete answers an APPLICATION_COMMAND_AUTOCOMPLETE interaction
// (type 4) with type 8 and the choices for the focused option: at most 25,
// each named by title, severity and a short ID and valued by the ID (the
// earlier IDs of a list kept in front). It is never an error: a malformed
// interaction, an option without IDs, someone the policy does not allow
// the verb, or a vendor with nothing in time all get no choices.
func (a *Adapter) autocomplete(ctx context.Context, i *discordgo.Interaction, who commands.Caller) *discordgo.InteractionResponse {
	var choices []*discordgo.ApplicationCommandOptionChoice
	if q, ok := autocompleteQuery(i); ok && a.picker != nil {
		q.Who = picker.Who{Caller: who, Roles: roles(i), Channel: i.ChannelID}
		for _, c := range a.picker.Choices(ctx, q) {
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: c.Name, Value: c.Value})
		}
	}
	// No choices go out as "data": {} (discordgo omits an empty list),
	// which Discord shows as "no options match" (interactions.py#756).
	return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices}}
}

// autocompleteQuery reads the subcommand, its focused option and what the
// other options hold so far.
func autocompleteQuery(i *discordgo.Interaction) (picker.Query, bool) {
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || len(data.Options) == 0 || data.Options[0] == nil {
		return picker.Query{}, false
	}
	sub := data.Options[0]
	q := picker.Query{Verb: sub.Name, Values: map[string]string{}, Limits: picker.Discord, List: true}
	for _, o := range sub.Options {
		if o == nil {
			return picker.Query{}, false
		}
		s, _ := o.Value.(string)
		if o.Focused {
			q.Arg, q.Typed = o.Name, s
			continue
		}
		q.Values[o.Name] = s
	}
	return q, q.Arg != ""
}
