package commands

import (
	"math/rand/v2"
	"reflect"
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

func TestPlainWordsMatchTokenize(t *testing.T) {
	alphabet := []string{"a", "b", "-", " ", "  ", "\t", "\n", "\r", "\u00a0", "é", "\u2003", "inc-1", ",", "`", "\xff"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(10); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		line := b.String()
		want, wantErr := tokenizeShell(line)
		got, gotErr := Tokenize(line)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Tokenize(%q) = %q, %v; the general case gives %q, %v", line, got, gotErr, want, wantErr)
		}
	}
}

func FuzzTokenizeFastPath(f *testing.F) {
	f.Add("delete a b,c  d\u00a0e")
	f.Fuzz(func(t *testing.T, line string) {
		want, wantErr := tokenizeShell(line)
		got, gotErr := Tokenize(line)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Tokenize(%q) = %q, %v; the general case gives %q, %v", line, got, gotErr, want, wantErr)
		}
	})
}
