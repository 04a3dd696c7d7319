package discord

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands/reply"
)

var goldenReplies = map[string]reply.Reply{
	"message-confirmation.json": {
		Tone: reply.Warning, Title: "Confirm: delete incidents (2)?",
		Lines: []string{"alice asked to delete incidents (2) in SecMaster."},
		Lists: []reply.List{reply.IDs("IDs (2)", []string{"909494e3-558e-46b6-a9eb-07a8e18ca62f", "5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10"})},
		Buttons: []reply.Button{
			{Label: "Confirm", Press: reply.Press{Kind: reply.Confirm, Value: "abcdefghijklmnopqrstuvwxyz"}, Style: reply.Danger},
			{Label: "Cancel", Press: reply.Press{Kind: reply.Cancel, Value: "abcdefghijklmnopqrstuvwxyz"}},
		},
		Footer: "Only alice can confirm. Expires in 5m (at 03:05:00 UTC).",
	},
	"message-result.json": {
		Tone: reply.Warning, Title: "SecMaster: deleted 1 of 2", Public: true,
		Lines: []string{"Operation: delete incidents.", "Request ID: `req_42`."},
		Lists: []reply.List{
			reply.IDs("Deleted (1)", []string{"909494e3-558e-46b6-a9eb-07a8e18ca62f"}),
			{Label: "Failed (1)", Items: []reply.Item{{ID: "5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10", Note: "SecMaster.20048004: incident not found"}}},
		},
	},
	"message-hostile-card.json": {
		Tone: reply.Success, Public: true,
		Title: "Incident IM202611220077: [Click to re-authenticate](https://evil.example/login) ||spoiler||",
		Lines: []string{"# big", "-# small @everyone <@123> **bold** `code stays`"},
		Lists: []reply.List{{Label: "Assignees *all*", Items: []reply.Item{{ID: "u-1", Note: "[on call](https://evil.example)"}}}},
	},
}

// TestGoldenMessages: the interaction response data Discord receives, in
// testdata/message-*.json; go test -update rewrites them.
func TestGoldenMessages(t *testing.T) {
	for name, r := range goldenReplies {
		bottest.Golden(t, name, readableJSON(t, message(r)))
	}
}

// readableJSON is v as indented JSON with <, > and & written as they are
// (the same JSON), so a golden file reads as the text the platform gets.
func readableJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	plain := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(b.String())
	return []byte(plain + "\n")
}
