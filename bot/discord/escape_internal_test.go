package discord

import "testing"

func TestEscapeKeepsCodeSpansAndDisarmsMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"delete incidents (2)": "delete incidents (2)",
		"[Click to re-authenticate](https://evil.example/login)": `\[Click to re-authenticate\](https://evil.example/login)`,
		"# big":               `\# big`,
		"-# small\n- item":    "\\-\\# small\n\\- item",
		"a-b":                 "a-b",
		"||spoiler||":         `\|\|spoiler\|\|`,
		"@everyone <@123>":    `\@everyone \<\@123\>`,
		"Request ID: `a_b*c`": "Request ID: `a_b*c`",
		"odd ` tick **bold**": "odd \\` tick \\*\\*bold\\*\\*",
		`back\slash`:          `back\\slash`,
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
