package discord

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/patrickmn/go-cache"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// modalPrefix starts a modal's custom ID: "modal:VERB:KEY".
const modalPrefix = "modal:"

// formStore keeps what a form already knows (the slash command's options,
// the ticket a card is about) while its modal is open: it would not fit in
// a 100-character custom ID. Forms are abandoned silently, so entries
// expire.
type formStore struct{ c *cache.Cache }

func newFormStore() *formStore { return &formStore{c: cache.New(15*time.Minute, time.Minute)} }

func (f *formStore) put(values map[string]string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	f.c.SetDefault(key, values)
	return key
}

func (f *formStore) take(key string) (map[string]string, bool) {
	v, ok := f.c.Get(key)
	if !ok {
		return nil, false
	}
	f.c.Delete(key)
	return v.(map[string]string), true
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
