package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
)

// checkView walks a rendered modal and reports every value beyond Slack's
// limits: title and submit 24, placeholders 150, option text 75 and value
// 150, at most 100 options or initial options, 100 blocks, block IDs 255.
func checkView(t *testing.T, name string, v slack.ModalViewRequest) {
	t.Helper()
	if n := utf8.RuneCountInString(v.Title.Text); n < 1 || n > maxModalTitle {
		t.Errorf("%s: title %q", name, v.Title.Text)
	}
	if v.Submit != nil && utf8.RuneCountInString(v.Submit.Text) > maxModalTitle {
		t.Errorf("%s: submit %q", name, v.Submit.Text)
	}
	if len(v.Blocks.BlockSet) > 100 || len(v.PrivateMetadata) > 3000 {
		t.Errorf("%s: %d blocks, metadata %d", name, len(v.Blocks.BlockSet), len(v.PrivateMetadata))
	}
	raw, _ := json.Marshal(v)
	var doc any
	_ = json.Unmarshal(raw, &doc)
	checked := 0
	var walk func(key string, x any)
	option := func(o map[string]any) {
		checked++
		text, _ := o["text"].(map[string]any)["text"].(string)
		value, _ := o["value"].(string)
		if n := utf8.RuneCountInString(text); n < 1 || n > maxOptionText {
			t.Errorf("%s: option text is %d characters: %q", name, n, text)
		}
		if n := len(value); n < 1 || n > 150 {
			t.Errorf("%s: option value is %d characters", name, n)
		}
	}
	walk = func(key string, x any) {
		switch y := x.(type) {
		case map[string]any:
			if key == "initial_option" {
				option(y)
			}
			if key == "placeholder" {
				if n := utf8.RuneCountInString(y["text"].(string)); n > maxPlaceholder {
					t.Errorf("%s: placeholder of %d characters", name, n)
				}
			}
			if id, ok := y["block_id"].(string); ok && len(id) > 255 {
				t.Errorf("%s: block_id of %d", name, len(id))
			}
			for k, e := range y {
				walk(k, e)
			}
		case []any:
			if key == "options" || key == "initial_options" {
				if len(y) > 100 {
					t.Errorf("%s: %d %s", name, len(y), key)
				}
				for _, o := range y {
					option(o.(map[string]any))
				}
				return
			}
			for _, e := range y {
				walk(key, e)
			}
		}
	}
	walk("", doc)
	if checked == 0 && strings.Contains(string(raw), "option") {
		t.Errorf("%s: no option was checked", name)
	}
}

func longIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%0*d", prefix, 128-len(prefix), i)
	}
	return out
}

func TestPickerFormsFitSlacksLimits(t *testing.T) {
	for _, name := range pickerVerbs {
		v, _ := commands.Lookup(name)
		values := map[string]string{}
		for _, a := range v.Args {
			if a.IDs != "" {
				values[a.Name] = strings.Join(longIDs("x", 1), " ")
			}
		}
		checkView(t, "pick "+name, pickerModal(bot.Form{Verb: v, Values: values}, pickMeta{Channel: "C0123", Reply: "https://hooks.slack.com/commands/T0/1/" + strings.Repeat("x", 24)}))
		checkView(t, "pick "+name+" empty", pickerModal(bot.Form{Verb: v}, pickMeta{Channel: "C0123"}))
	}
	// The act form with the most a message can bring: 25 IDs of 128
	// characters per kind, every verb offered.
	found := picker.Found{Incidents: longIDs("inc-", 25), Alerts: longIDs("alert-", 25), Coralogix: longIDs("cx-", 25), Tickets: []string{"IM" + strings.Repeat("1", 126)}}
	p := picker.New(picker.Config{})
	offers := p.Offers(context.Background(), picker.Who{}, found)
	if len(offers) != 6 {
		t.Fatalf("offers: %d", len(offers))
	}
	checkView(t, "act", actModal(found, offers, pickMeta{Channel: "C0123", Reply: "https://hooks.slack.com/commands/T0/1/x"}))
}
