//go:build bench

package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/vendors"
)

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
