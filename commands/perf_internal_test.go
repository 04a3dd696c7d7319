package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/vendors"
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

// BenchmarkParseDelete50 is the parsing a `delete` of 50 UUIDs costs on
// the acknowledgement path: SplitLine, then ParseWords.
func BenchmarkParseDelete50(b *testing.B) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = strings.Repeat(string(rune('a'+i%26)), 8) + "-0000-4000-8000-5e00000000" + string(rune('a'+i/26)) + "0"
	}
	line := "delete " + strings.Join(ids, " ")
	r := New(Deps{SecMaster: benchSecMaster{}})
	b.ReportAllocs()
	for b.Loop() {
		words, err := SplitLine(line)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.ParseWords(words, Caller{Platform: "slack", UserID: "U1"}); err != nil {
			b.Fatal(err)
		}
	}
}

type benchSecMaster struct{}

func (benchSecMaster) DeleteIncidents(context.Context, []string) (vendors.BatchResult, error) {
	return vendors.BatchResult{}, nil
}

func (benchSecMaster) CancelAssociation(context.Context, vendors.Association, []string) (vendors.BatchResult, error) {
	return vendors.BatchResult{}, nil
}

// splitIDsMap is splitIDs as it was, with a map for the IDs seen.
func splitIDsMap(words []string) ([]string, error) {
	ids := make([]string, 0, len(words))
	seen := make(map[string]struct{}, len(words))
	for _, w := range words {
		for rest, more := w, true; more; {
			var id string
			id, rest, more = strings.Cut(rest, ",")
			id = strings.Trim(strings.TrimSpace(id), "`")
			if id == "" {
				continue
			}
			if _, ok := seen[id]; ok {
				continue
			}
			seen[id] = struct{}{}
			if err := checkID(id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

// TestSplitIDsMatchesMap: the table splitIDs keeps instead of a map gives
// the same IDs and errors, below and past its size (up to 600 IDs).
func TestSplitIDsMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 3000; i++ {
		n := rng.IntN(8)
		if i%10 == 0 {
			n = rng.IntN(600)
		}
		pool := 1 + rng.IntN(700)
		words := make([]string, n)
		for j := range words {
			words[j] = "inc-" + strconv.Itoa(rng.IntN(pool))
			switch rng.IntN(20) {
			case 0:
				words[j] += ",inc-" + strconv.Itoa(rng.IntN(pool))
			case 1:
				words[j] = "`" + words[j] + "`,"
			case 2:
				if i%3 == 0 {
					words[j] += "/"
				}
			}
		}
		got, gotErr := splitIDs(words)
		want, wantErr := splitIDsMap(words)
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("splitIDs(%q) = %q, %v; with a map: %q, %v", words, got, gotErr, want, wantErr)
		}
	}
}

// TestPlainWordsLongRuns: lines with runs of eight bytes and more (the
// fast path's unit) with an odd byte anywhere in them.
func TestPlainWordsLongRuns(t *testing.T) {
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
