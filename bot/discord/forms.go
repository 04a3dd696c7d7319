package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/pending"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// modalPrefix starts a modal's custom ID: "modal:VERB:KEY".
const modalPrefix = "modal:"

// formTTL is how long an open form's known values are kept: forms are
// abandoned silently, so they expire.
const formTTL = 15 * time.Minute

// formStore keeps what a form already knows (the slash command's options,
// the ticket a card is about) while its modal is open: it would not fit in
// a 100-character custom ID. It lives in the shared Values, so a form
// opened through one replica can be submitted through another.
type formStore struct{ values pending.Values }

func (f *formStore) put(ctx context.Context, values map[string]string) (string, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	raw, _ := json.Marshal(values)
	return key, f.values.Set(ctx, "discord-form:"+key, string(raw), formTTL)
}

func (f *formStore) take(ctx context.Context, key string) (map[string]string, bool, error) {
	raw, ok, err := f.values.Take(ctx, "discord-form:"+key)
	if !ok || err != nil {
		return nil, false, err
	}
	values := map[string]string{}
	if json.Unmarshal([]byte(raw), &values) != nil {
		return nil, false, nil
	}
	return values, true, nil
}

// modal renders a verb's form as a Discord modal: text inputs only, so a
// choice is typed, with its words as the placeholder.
func modal(v commands.Verb, key string, fields []commands.Option, object string) *discordgo.InteractionResponseData {
	title := v.FormTitle
	if object != "" {
		title += " " + object
	}
	var rows []discordgo.MessageComponent
	for _, o := range fields {
		style := discordgo.TextInputShort
		if o.Long {
			style = discordgo.TextInputParagraph
		}
		hint := o.Hint
		if choices := o.Choices(); choices != nil {
			var words []string
			for _, c := range choices {
				words = append(words, c.Alias)
			}
			hint = strings.Join(words, " or ")
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
			CustomID: o.Name, Label: o.Label, Style: style, Required: o.Required,
			MaxLength: min(o.Limit(), maxInputLength), Placeholder: reply.Cut(hint, maxInputHolder),
		}}})
	}
	return &discordgo.InteractionResponseData{
		CustomID:   reply.Clip(modalPrefix+v.Name+":"+key, maxCustomID),
		Title:      reply.Cut(title, maxModalTitle),
		Components: rows,
	}
}
