package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands"
)

// Every form the adapter can open stays within Slack's modal rules: title
// and submit 24 characters, at most 100 blocks, labels 2000, placeholders
// 150, option texts 75 and at most 100 options, text inputs of at most
// 3000 characters, private_metadata 3000, callback and block IDs 255.
func TestEveryModalFitsSlacksLimits(t *testing.T) {
	opened := 0
	for _, v := range commands.Verbs() {
		if len(v.Form) == 0 {
			continue
		}
		opened++
		values := map[string]string{}
		if len(v.Args) > 0 {
			values[v.Args[0].Name] = strings.Repeat("I", 128)
		}
		m := modal(bot.Form{Verb: v, Values: values}, strings.Repeat("C", 24))
		if n := utf8.RuneCountInString(m.Title.Text); n < 1 || n > maxModalTitle {
			t.Errorf("%s: title %q", v.Name, m.Title.Text)
		}
		if n := utf8.RuneCountInString(m.Submit.Text); n < 1 || n > maxModalTitle {
			t.Errorf("%s: submit %q", v.Name, m.Submit.Text)
		}
		if len(m.PrivateMetadata) > 3000 || len(m.CallbackID) > 255 || len(m.Blocks.BlockSet) > 100 {
			t.Errorf("%s: metadata %d, callback %d, %d blocks", v.Name, len(m.PrivateMetadata), len(m.CallbackID), len(m.Blocks.BlockSet))
		}
		raw, _ := json.Marshal(m.Blocks)
		var blocks []struct {
			BlockID string `json:"block_id"`
			Label   struct{ Text string }
			Element struct {
				MaxLength   int `json:"max_length"`
				Placeholder *struct{ Text string }
				Options     []struct{ Text struct{ Text string } }
			}
		}
		if err := json.Unmarshal(raw, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			where := v.Name + " " + b.BlockID
			if len(b.BlockID) > 255 || utf8.RuneCountInString(b.Label.Text) > 2000 || b.Label.Text == "" {
				t.Errorf("%s: block_id %d, label %q", where, len(b.BlockID), b.Label.Text)
			}
			if b.Element.MaxLength > maxInputLength {
				t.Errorf("%s: max_length %d", where, b.Element.MaxLength)
			}
			if b.Element.Placeholder != nil && utf8.RuneCountInString(b.Element.Placeholder.Text) > maxPlaceholder {
				t.Errorf("%s: placeholder is %d characters", where, utf8.RuneCountInString(b.Element.Placeholder.Text))
			}
			if len(b.Element.Options) > 100 {
				t.Errorf("%s: %d options", where, len(b.Element.Options))
			}
			for _, o := range b.Element.Options {
				if utf8.RuneCountInString(o.Text.Text) > maxOptionText {
					t.Errorf("%s: option %q", where, o.Text.Text)
				}
			}
		}
	}
	if opened < 3 {
		t.Fatalf("only %d forms were checked", opened)
	}
}
