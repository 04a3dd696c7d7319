package jsonstr

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// Append writes what encoding/json writes, for strings made of the
// bytes where they differ: controls, quotes, HTML, U+2028, invalid UTF-8.
func TestAppendMatchesTheStandardLibrary(t *testing.T) {
	pieces := []string{"a", "Z", " ", `"`, `\`, "<", ">", "&", "\b", "\f", "\n", "\t", "\x01", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xe2\x80", "12345678", "plain-id-0001"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for j := rng.IntN(12); j >= 0; j-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		want, _ := json.Marshal(s)
		if got := Append(nil, s, Marshaled); !bytes.Equal(got, want) {
			t.Fatalf("Marshaled %q: %s, encoding/json %s", s, got, want)
		}
	}
}
