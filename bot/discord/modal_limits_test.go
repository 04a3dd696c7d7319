package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands"
)

// Every modal the adapter can open, from the command or from a card,
// stays within Discord's rules: title 45, at most 5 rows, labels 45,
// placeholders 100, text inputs of at most 4000 characters, custom IDs 100.
func TestEveryModalFitsDiscordsLimits(t *testing.T) {
	opened := 0
	for _, v := range commands.Verbs() {
		for _, fromCommand := range []bool{true, false} {
			fields := modalOptions(v, fromCommand)
			if len(fields) == 0 {
				continue
			}
			opened++
			object := ""
			if !fromCommand {
				object = strings.Repeat("I", 128) // the longest ticket an ID may be
			}
			m := modal(v, "0123456789abcdef", fields, object)
			where := v.Name
			if utf8.RuneCountInString(m.Title) > maxModalTitle || m.Title == "" {
				t.Errorf("%s: title %q", where, m.Title)
			}
			if len(m.CustomID) > maxCustomID {
				t.Errorf("%s: custom_id is %d characters", where, len(m.CustomID))
			}
			if len(m.Components) < 1 || len(m.Components) > maxModalInputs {
				t.Errorf("%s: %d rows", where, len(m.Components))
			}
			for _, row := range m.Components {
				in := row.(discordgo.ActionsRow).Components[0].(discordgo.TextInput)
				if n := utf8.RuneCountInString(in.Label); n < 1 || n > maxInputLabel {
					t.Errorf("%s %s: label %q is %d characters", where, in.CustomID, in.Label, n)
				}
				if utf8.RuneCountInString(in.Placeholder) > maxInputHolder || in.MaxLength < 1 || in.MaxLength > maxInputLength || len(in.CustomID) > maxCustomID {
					t.Errorf("%s %s: placeholder %d, max_length %d", where, in.CustomID, utf8.RuneCountInString(in.Placeholder), in.MaxLength)
				}
			}
		}
	}
	if opened < 3 {
		t.Fatalf("only %d modals were checked", opened)
	}
}
