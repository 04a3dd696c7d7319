// Package reply is the platform-neutral message model: what the bot says,
// before an adapter renders it as Block Kit, Discord components or text.
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

// Action is what a button does when pressed.
type Action string

// Button actions. The adapters encode them with the token in their
// platform's action or custom ID ("confirm:TOKEN").
const (
	Confirm Action = "confirm"
	Cancel  Action = "cancel"
	Verify  Action = "verify" // opens the verify form for a ticket
)

// Style is a button's look.
type Style int

// Button styles.
const (
	Default Style = iota
	Primary
	Danger
)

// Button is a clickable choice. Value carries the token or ticket number.
type Button struct {
	Label  string
	Action Action
	Value  string
	Style  Style
}

// List is a labelled list of items (IDs, or "ID: reason" lines). Adapters
// shorten long lists with "and N more" to fit their platform's limits.
type List struct {
	Label string
	Items []string
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
}
