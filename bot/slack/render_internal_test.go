package slack

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

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
