package commands

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The pattern validID implements by hand.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

func TestValidIDMatchesPattern(t *testing.T) {
	alphabet := []string{"a", "Z", "0", "9", ".", "_", ":", "-", "/", " ", "%", "`", "é", "\n", "\x00", "\xff", "?"}
	cases := []string{"", ".", "..", "a", strings.Repeat("a", 128), strings.Repeat("a", 129), "a\n", "inc-1.", "909494e3-558e-46b6-a9eb-000000000001"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		if got, want := validID(c), idPattern.MatchString(c); got != want {
			t.Fatalf("validID(%q) = %v, the pattern says %v", c, got, want)
		}
	}
}
