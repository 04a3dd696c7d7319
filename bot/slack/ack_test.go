package slack

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// The acknowledgement's JSON is written by hand; it must be what
// encoding/json writes for message(r), byte for byte.
func TestAckJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "Z", " ", "<", ">", "&", "&amp;", "\"", "\\", "`", "*", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"é", "“", "\u2028", "\u2029", "\ufffd", "\xff", "\xe2\x80", "🚨", "<!channel>", "https://x/y?z=1&w=2", "inc-1", "909494e3-558e-46b6-a9eb-07a8e18ca62f", "abcdefgh"}
	text := func(max int) string {
		var b strings.Builder
		for n := rng.IntN(max + 1); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	replies := []reply.Reply{{}, {Title: "help"}, {Public: true, Footer: "f"}}
	for i := 0; i < 3000; i++ {
		r := reply.Reply{Tone: reply.Tone(rng.IntN(5)), Title: text(8), Code: text(3), Footer: text(3), Public: rng.IntN(2) == 0}
		for n := rng.IntN(3); n > 0; n-- {
			r.Lines = append(r.Lines, text(6))
		}
		for n := rng.IntN(3); n > 0; n-- {
			l := reply.List{Label: text(3)}
			for m := rng.IntN(40); m > 0; m-- {
				l.Items = append(l.Items, reply.Item{ID: text(3), Note: text(2)})
			}
			r.Lists = append(r.Lists, l)
		}
		for n := rng.IntN(3); n > 0; n-- {
			r.Buttons = append(r.Buttons, reply.Button{Label: text(2), Style: reply.Style(rng.IntN(4)),
				Press: reply.Press{Kind: []reply.Kind{reply.Confirm, reply.Cancel, reply.Form, ""}[rng.IntN(4)], Verb: text(1), Value: text(2)}})
		}
		replies = append(replies, r)
	}
	huge := reply.Reply{Title: strings.Repeat("T&", 3000), Lines: []string{strings.Repeat("line ", 1000)}, Code: strings.Repeat("<", 4000),
		Footer: strings.Repeat("f", 4000), Buttons: []reply.Button{{Label: "Confirm", Press: reply.Press{Kind: reply.Confirm, Value: strings.Repeat("v", 3000)}}}}
	for i := 0; i < 60; i++ {
		huge.Lists = append(huge.Lists, reply.List{Label: "l", Items: []reply.Item{{ID: "x"}}})
	}
	replies = append(replies, huge)
	for _, r := range replies {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(message(r)); err != nil {
			t.Fatal(err)
		}
		got := append(appendMessage(nil, r), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("for %#v\n got %s\nwant %s", r, got, want.Bytes())
		}
		if m, _ := json.Marshal(ackMessage{r}); !bytes.Equal(m, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("MarshalJSON differs for %#v", r)
		}
	}
}
