package commands

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// A line without quotes or backslashes takes Tokenize's short way; it must
// split as the general case does.
func TestPlainLinesSplitAsTheGeneralCase(t *testing.T) {
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

func FuzzTokenizeShortWay(f *testing.F) {
	f.Add("delete a b,c  d\u00a0e")
	f.Fuzz(func(t *testing.T, line string) {
		want, wantErr := tokenizeShell(line)
		got, gotErr := Tokenize(line)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Tokenize(%q) = %q, %v; the general case gives %q, %v", line, got, gotErr, want, wantErr)
		}
	})
}

// Long runs of word bytes with an odd byte (a separator, a quote, a
// control byte, invalid UTF-8) anywhere in them split as the general case.
func TestLongWordsWithAnOddByteSplitAsTheGeneralCase(t *testing.T) {
	odd := []string{" ", "\t", "\n", "\r", "\u00a0", "\"", "'", "\\", "\x00", "\x01", "\x1f", "!", "~", "\x7f", "é", "\u2003", "“", "\xff", "a"}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := rng.IntN(4); n >= 0; n-- {
			b.WriteString(strings.Repeat("x", rng.IntN(20)))
			b.WriteString(odd[rng.IntN(len(odd))])
		}
		line := b.String()
		want, wantErr := tokenizeShell(line)
		got, gotErr := Tokenize(line)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Tokenize(%q) = %q, %v; the general case gives %q, %v", line, got, gotErr, want, wantErr)
		}
	}
}
