package discord

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/patrickmn/go-cache"

	"github.com/incidentbot/incidentbot/commands"
)

// Modal custom ID prefixes.
const (
	formCreate = "createform"
	formVerify = "verifyform"
)

// createInputs are the create form's text inputs, named after the create
// command's options; the rest come from the slash command's options.
var createInputs = []string{"title", "description", "app", "assignee", "region"}

// formStore keeps a create command's options while its modal is open:
// they do not fit in a 100-character custom ID. Forms are abandoned
// silently, so entries expire.
type formStore struct{ c *cache.Cache }

func newFormStore() *formStore { return &formStore{c: cache.New(15*time.Minute, time.Minute)} }

func (f *formStore) put(preset []string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	f.c.SetDefault(key, preset)
	return key
}

func (f *formStore) take(key string) ([]string, bool) {
	v, ok := f.c.Get(key)
	if !ok {
		return nil, false
	}
	f.c.Delete(key)
	return v.([]string), true
}

func input(id, label string, style discordgo.TextInputStyle, required bool, maxLen int, placeholder string) discordgo.MessageComponent {
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
		CustomID: id, Label: label, Style: style, Required: required, MaxLength: maxLen, Placeholder: placeholder,
	}}}
}

func createModal(key string) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		CustomID: formCreate + ":" + key,
		Title:    "Create incident",
		Components: []discordgo.MessageComponent{
			input("title", "Title", discordgo.TextInputShort, true, commands.MaxTitle, "DB down in eu-west"),
			input("description", "Description", discordgo.TextInputParagraph, true, commands.MaxDescription, "What is happening, since when, who is affected"),
			input("app", "Application ID", discordgo.TextInputShort, true, 255, "ID of the COC application"),
			input("assignee", "Owner (cloud user ID), unless scene and role were given", discordgo.TextInputShort, false, 255, ""),
			input("region", "Region (needed to start a war room)", discordgo.TextInputShort, false, 255, "cn-north-4"),
		},
	}
}

func verifyModal(ticket string) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		CustomID: clip(formVerify+":"+ticket, maxCustomID),
		Title:    cut("Verify "+ticket, 45),
		Components: []discordgo.MessageComponent{
			input("result", "Result: pass or fail", discordgo.TextInputShort, true, 4, "pass"),
			input("comment", "Comment", discordgo.TextInputParagraph, false, commands.MaxComment, "What you checked"),
		},
	}
}
