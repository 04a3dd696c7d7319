//go:build bench

package slack

import (
	"fmt"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// delete50Reply is the confirmation a `delete` of 50 UUIDs gets.
func delete50Reply() reply.Reply {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x9a000000+i, i, i, i, 0x5e0000000000+i)
	}
	return reply.Reply{Tone: reply.Warning, Title: "Delete incidents (50)?", Lists: []reply.List{reply.IDs("Incidents", ids)},
		Buttons: []reply.Button{{Label: "Delete", Press: reply.Press{Kind: reply.Confirm, Value: "tok_0123456789abcdef"}, Style: reply.Danger},
			{Label: "Cancel", Press: reply.Press{Kind: reply.Cancel, Value: "tok_0123456789abcdef"}}},
		Footer: "Expires in 5 minutes. Sandbox: nothing is sent to the vendors."}
}

// BenchmarkAppendMessage is rendering the ack of a `delete` of 50 UUIDs.
func BenchmarkAppendMessage(b *testing.B) {
	r := delete50Reply()
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendMessage(buf[:0], r)
	}
}
