package discord_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	discordbot "github.com/incidentbot/incidentbot/bot/discord"
)

// Discord's rules for application commands: names 1-32 lowercase
// characters, descriptions 1-100, at most 25 options and 25 choices, and
// required options before optional ones.
func TestCommandFollowsDiscordsRules(t *testing.T) {
	name := regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)
	var check func(path string, opts []*discordgo.ApplicationCommandOption)
	check = func(path string, opts []*discordgo.ApplicationCommandOption) {
		if len(opts) > 25 {
			t.Errorf("%s has %d options", path, len(opts))
		}
		optionalSeen := false
		for _, o := range opts {
			p := path + " " + o.Name
			if !name.MatchString(o.Name) {
				t.Errorf("%s: bad name", p)
			}
			if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
				t.Errorf("%s: description is %d characters", p, n)
			}
			if len(o.Choices) > 25 {
				t.Errorf("%s: %d choices", p, len(o.Choices))
			}
			if o.Type != discordgo.ApplicationCommandOptionSubCommand {
				if o.Required && optionalSeen {
					t.Errorf("%s: required after an optional option", p)
				}
				optionalSeen = optionalSeen || !o.Required
			}
			if o.MaxLength > 6000 {
				t.Errorf("%s: max_length %d", p, o.MaxLength)
			}
			check(p, o.Options)
		}
	}
	c := discordbot.Command(nil)
	if !name.MatchString(c.Name) || utf8.RuneCountInString(c.Description) > 100 {
		t.Errorf("command %q / %q", c.Name, c.Description)
	}
	check("/"+c.Name, c.Options)
}

// A 200-ID confirmation must fit one message: embed description 4096,
// title 256, custom IDs 100 characters.
func TestLargeConfirmationFitsDiscordsLimits(t *testing.T) {
	f := newFixture(t)
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08d-1111-2222-3333-444444444444", i)
	}
	_, resp := f.send(t, slash("big", "U-ALICE", "delete", map[string]any{"ids": strings.Join(ids, " ")}), nil)
	raw, _ := json.Marshal(resp["data"])
	var data struct {
		Embeds []discordgo.MessageEmbed `json:"embeds"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	e := data.Embeds[0]
	if utf8.RuneCountInString(e.Description) > 4096 || utf8.RuneCountInString(e.Title) > 256 {
		t.Errorf("embed title %d / description %d characters", utf8.RuneCountInString(e.Title), utf8.RuneCountInString(e.Description))
	}
	if !strings.Contains(e.Description, "…and 170 more") {
		t.Errorf("a 200-ID list is not shortened: %s", e.Description)
	}
	for id := range buttons(resp["data"].(map[string]any)) {
		if len(id) > 100 {
			t.Errorf("custom_id %q is over 100 characters", id)
		}
	}
	if !strings.Contains(string(raw), `"allowed_mentions":{"parse":[]`) {
		t.Errorf("mentions are not disabled: %s", raw)
	}
}
