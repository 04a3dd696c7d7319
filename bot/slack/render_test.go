package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/commands/reply"
)

var confirmation = reply.Reply{
	Tone: reply.Warning, Title: "Confirm: delete incidents (2)?",
	Lines: []string{"alice asked to delete incidents (2) in SecMaster."},
	Lists: []reply.List{reply.IDs("IDs (2)", []string{"909494e3-558e-46b6-a9eb-07a8e18ca62f", "5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10"})},
	Buttons: []reply.Button{
		{Label: "Confirm", Press: reply.Press{Kind: reply.Confirm, Value: "abcdefghijklmnopqrstuvwxyz"}, Style: reply.Danger},
		{Label: "Cancel", Press: reply.Press{Kind: reply.Cancel, Value: "abcdefghijklmnopqrstuvwxyz"}},
	},
	Footer: "Only alice can confirm. Expires in 5m (at 03:05:00 UTC).",
}

var result = reply.Reply{
	Tone: reply.Warning, Title: "SecMaster: deleted 1 of 2", Public: true,
	Lines: []string{"Operation: delete incidents."},
	Lists: []reply.List{
		reply.IDs("Deleted (1)", []string{"909494e3-558e-46b6-a9eb-07a8e18ca62f"}),
		{Label: "Failed (1)", Items: []reply.Item{{ID: "5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10", Note: "listed in error_ids by SecMaster: SecMaster.20048004: incident not found"}}},
	},
}

func TestGoldenBlocks(t *testing.T) {
	for name, r := range map[string]reply.Reply{"confirmation.json": confirmation, "result.json": result} {
		got, _ := json.MarshalIndent(slackbot.Blocks(r), "", "  ")
		bottest.Golden(t, name, append(got, '\n'))
	}
}

func TestBlocksStayWithinSlackLimits(t *testing.T) {
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08d-1111-2222-3333-444444444444", i)
	}
	huge := reply.Reply{
		Title: strings.Repeat("T", 5000), Lines: []string{strings.Repeat("line ", 1000)}, Code: strings.Repeat("u", 4000),
		Lists:   []reply.List{reply.IDs("IDs (200)", ids), {Label: "Failed", Items: []reply.Item{{ID: "x", Note: strings.Repeat("reason ", 600)}}}},
		Buttons: []reply.Button{{Label: "Confirm", Press: reply.Press{Kind: reply.Confirm, Value: strings.Repeat("v", 3000)}}},
		Footer:  strings.Repeat("f", 4000),
	}
	raw, _ := json.Marshal(slackbot.Blocks(huge))
	var blocks []struct {
		Type     string                 `json:"type"`
		Text     *struct{ Text string } `json:"text"`
		Elements []struct {
			Text     json.RawMessage `json:"text"`
			Value    string          `json:"value"`
			ActionID string          `json:"action_id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > 50 {
		t.Errorf("%d blocks; Slack allows 50", len(blocks))
	}
	for _, b := range blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > 3000 {
			t.Errorf("%s text is %d characters; Slack allows 3000", b.Type, utf8.RuneCountInString(b.Text.Text))
		}
		for _, e := range b.Elements {
			if len(e.Value) > 2000 || len(e.ActionID) > 255 {
				t.Errorf("button value %d / action_id %d characters; Slack allows 2000 / 255", len(e.Value), len(e.ActionID))
			}
			var txt struct{ Text string }
			if json.Unmarshal(e.Text, &txt) == nil && utf8.RuneCountInString(txt.Text) > 3000 {
				t.Errorf("context text is %d characters", utf8.RuneCountInString(txt.Text))
			}
		}
	}
	if !strings.Contains(string(raw), "…and 170 more") {
		t.Errorf("a 200-ID list is not shortened with \"and N more\"")
	}
}

func TestUserTextCannotPingOrLink(t *testing.T) {
	raw, _ := json.Marshal(slackbot.Blocks(reply.Reply{Title: "<!channel> look", Lines: []string{"<https://evil.example|click> & more"}}))
	if strings.Contains(string(raw), "<!channel>") || strings.Contains(string(raw), "<https://") {
		t.Fatalf("mrkdwn control sequences survived: %s", raw)
	}
}

// Long text full of characters mrkdwn needs escaped is cut before it is
// escaped: no entity is split, and the limit holds.
func TestLongEscapedTextIsCutWhole(t *testing.T) {
	raw, _ := json.Marshal(slackbot.Blocks(reply.Reply{Title: strings.Repeat("<", 5000), Code: strings.Repeat("&", 5000), Footer: strings.Repeat(">", 5000)}))
	var blocks []struct {
		Text     *struct{ Text string }  `json:"text"`
		Elements []struct{ Text string } `json:"elements"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, b := range blocks {
		if b.Text != nil {
			texts = append(texts, b.Text.Text)
		}
		for _, e := range b.Elements {
			texts = append(texts, e.Text)
		}
	}
	for _, s := range texts {
		if utf8.RuneCountInString(s) > 3000 {
			t.Errorf("a text of %d characters", utf8.RuneCountInString(s))
		}
		trimmed := strings.TrimRight(strings.TrimSuffix(strings.TrimSuffix(s, "*"), "```"), "…")
		for _, ent := range []string{"&lt;", "&gt;", "&amp;"} {
			trimmed = strings.ReplaceAll(trimmed, ent, "")
		}
		if strings.ContainsAny(trimmed, "&") {
			t.Errorf("an entity was split: …%s", s[max(0, len(s)-20):])
		}
	}
}
