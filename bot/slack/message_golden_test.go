package slack

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// hostileCard is a ticket card whose title and description a user typed to
// ping the channel and hide a link.
var hostileCard = reply.Reply{
	Tone: reply.Success, Public: true,
	Title: "Incident IM202611220042: <!channel> <!here> <@U123> <https://evil.example|click here>",
	Lines: []string{"Description: [Click to re-authenticate](https://evil.example/login) & <!subteam^S1>", "Created by <@U999|mallory>."},
	Lists: []reply.List{{Label: "Assignees <!here>", Items: []reply.Item{{ID: "u-1", Note: "<https://evil.example|on call>"}}}},
}

// TestGoldenMessages: the whole message Slack receives (the notification
// text and the blocks), as an ack or a response_url post, in
// testdata/message-*.json; go test -update rewrites them.
func TestGoldenMessages(t *testing.T) {
	for name, r := range map[string]reply.Reply{"message-hostile-card.json": hostileCard} {
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
