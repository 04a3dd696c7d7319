package reply_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// AppendShortened after a heading is the heading followed by ShortenAppend.
func TestAppendShortenedAfterHeading(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	line := func(b []byte, it reply.Item) []byte { return append(append(b, "• "...), it.ID...) }
	for i := 0; i < 2000; i++ {
		items := make([]reply.Item, rng.IntN(80))
		for j := range items {
			items[j] = reply.Item{ID: strings.Repeat("é1", rng.IntN(30))}
		}
		maxItems, budget := rng.IntN(60), rng.IntN(3000)
		head := strings.Repeat("h", rng.IntN(10))
		got := string(reply.AppendShortened([]byte(head), items, maxItems, budget, line))
		if want := head + reply.ShortenAppend(items, maxItems, budget, line); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}
