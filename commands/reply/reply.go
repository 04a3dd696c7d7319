// Package reply is the platform-neutral message model: what the bot says,
// before an adapter renders it as Block Kit, Discord components or text. It
// also owns the button protocol (what a press means, and how it is written
// into a platform's action or custom ID) and the text helpers every
// renderer shares, so that no two renderers shorten or escape differently.
package reply

// Tone colours a reply.
type Tone int

// Tones, from neutral to bad.
const (
	Info Tone = iota
	Success
	Warning
	Failure
)

// Style is a button's look.
type Style int

// Button styles.
const (
	Default Style = iota
	Primary
	Danger
)

// Button is a clickable choice.
type Button struct {
	Label string
	Press Press
	Style Style
}

// Item is one entry of a list: an ID (shown as code) and, for an ID that
// did not succeed, why.
type Item struct {
	ID   string
	Note string
}

// List is a labelled list of items. Renderers shorten long lists with
// "and N more" to fit their platform's limits (see Shorten).
type List struct {
	Label string
	Items []Item
}

// Reply is one message from the bot.
type Reply struct {
	Tone    Tone
	Title   string
	Lines   []string // short paragraphs; `code` spans are allowed
	Lists   []List
	Code    string // preformatted text (usage), shown as a code block
	Buttons []Button
	Public  bool   // visible to the whole channel; otherwise only to the requester
	Footer  string // small print: expiry, sandbox note
	// NewMessage, on a result that follows a message (a request for
	// approval after a Confirm), shows it as a message of its own and
	// leaves the one it follows as it is.
	NewMessage bool
	// Attachment, when set, is the whole of what the message can only
	// begin (every ID of a large result, by outcome), one click away:
	// Slack shows it in the message's thread, Discord as a text file, the
	// terminal in full.
	Attachment *Attachment
}

// Attachment is a plain-text document that goes with a reply.
type Attachment struct {
	Name  string // a file name: "delete-incidents-outcomes.txt"
	Title string // what it is, one line: "Every ID by outcome"
	Text  string // the document; plain text, not markup
}

// IDs makes a list of bare IDs.
func IDs(label string, ids []string) List {
	items := make([]Item, len(ids))
	for i, id := range ids {
		items[i] = Item{ID: id}
	}
	return List{Label: label, Items: items}
}
