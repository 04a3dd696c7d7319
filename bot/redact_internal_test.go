package bot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHasLongTokenMatchesPattern(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "Z", "9", "_", "-", ".", " ", "/", "é", strings.Repeat("x", 40), strings.Repeat("y", 129)}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := hasLongToken(s), longToken.MatchString(s); got != want {
			t.Fatalf("hasLongToken(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
