package slack

import (
	"fmt"
	"strings"
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

// listText renders a list as the heading and reply.ShortenAppend did
// before it shared their buffer.
func TestListTextAsConcatenated(t *testing.T) {
	for _, n := range []int{0, 1, 29, 30, 31, 50, 200} {
		for _, label := range []string{"Incidents", "<&>", strings.Repeat("é", 40)} {
			l := reply.List{Label: label}
			for i := range n {
				l.Items = append(l.Items, reply.Item{ID: strings.Repeat("a", i%130), Note: []string{"", "x<y"}[i%2]})
			}
			head := "*" + escape(label) + "*"
			want := head + "\n" + reply.ShortenAppend(l.Items, maxListed, maxSectionText-len(head)-1, appendListLine)
			if got := listText(l); got != want {
				t.Fatalf("listText(%d items, %q) = %q, want %q", n, label, got, want)
			}
		}
	}
}

func TestPlainCode(t *testing.T) {
	for _, s := range []string{"", "a", "inc-1", "a`b", "&", "<x", "x>", "é", "\x00"} {
		if got, want := plainCode(s), !strings.ContainsAny(s, "`&<>"); got != want {
			t.Fatalf("plainCode(%q) = %v", s, got)
		}
	}
}
