package reply_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/commands/reply"
)

func TestRuneCountMatchesUTF8(t *testing.T) {
	pieces := []string{"a", "abcdefgh", "0123456789abcdef", " ", "\x00", "\x7f", "é", "•", "🚨", "\xff", "\xe2\x80", "\x80", "\ufffd"}
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := rng.IntN(10); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := reply.RuneCount(s), utf8.RuneCountInString(s); got != want {
			t.Fatalf("RuneCount(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzRuneCount(f *testing.F) {
	f.Add("• `909494e3-558e-46b6-a9eb-07a8e18ca62f`\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := reply.RuneCount(s), utf8.RuneCountInString(s); got != want {
			t.Fatalf("RuneCount(%q) = %d, want %d", s, got, want)
		}
	})
}

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
