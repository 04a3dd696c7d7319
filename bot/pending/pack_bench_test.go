//go:build bench

package pending

import (
	"fmt"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
)

// BenchmarkPack50 packs the record of a `delete` of 50 UUIDs.
func BenchmarkPack50(b *testing.B) {
	r := Record{Requester: commands.Caller{Platform: "slack", UserID: "U0123456", Name: "alice"}, Channel: "C0123456",
		Message: "https://hooks.slack.com/commands/T0/1234/" + strings.Repeat("x", 24), Words: []string{"delete"}}
	for i := range 50 {
		r.Words = append(r.Words, fmt.Sprintf("909494e3-558e-46b6-a9eb-07a8e18ca6%02x", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = pack(&r)
	}
}
