package reply

import (
	"errors"
	"strings"
)

// Kind is what a button does when pressed.
type Kind string

// Button kinds. Confirm, Cancel and Approve settle a pending action (Value
// is its token); Form opens the form of a verb for one object (Verb names
// the verb, Value the object, e.g. a ticket number). Retry and Check act
// on the rest of a partial result (Value is the token under which the
// bot stored its IDs; the IDs never travel in a button).
const (
	Confirm Kind = "confirm"
	Cancel  Kind = "cancel"
	Approve Kind = "approve"
	Form    Kind = "form"
	Retry   Kind = "retry"
	Check   Kind = "check"
	// Page runs a read verb again with more words (Value, space
	// separated): the "Next page" of a list.
	Page Kind = "page"
)

// Press is what a button means. Its ID is written into Slack's action_id
// and Discord's custom_id, and read back from the click.
type Press struct {
	Kind  Kind
	Verb  string // for Form
	Value string // a token, or the object a form is about
}

// MaxIDLen is the longest ID any platform accepts (Discord's custom_id).
const MaxIDLen = 100

// ID encodes the press: "confirm:TOKEN", "form:verify:TICKET".
func (p Press) ID() string {
	if p.Kind == Form || p.Kind == Page {
		return string(p.Kind) + ":" + p.Verb + ":" + p.Value
	}
	return string(p.Kind) + ":" + p.Value
}

// ErrUnknownButton means a click carried an ID the bot never wrote.
var ErrUnknownButton = errors.New("this button is not known to the bot")

// ParsePress decodes an ID written by Press.ID.
func ParsePress(id string) (Press, error) {
	kind, rest, ok := strings.Cut(id, ":")
	if !ok || rest == "" || len(id) > MaxIDLen {
		return Press{}, ErrUnknownButton
	}
	switch Kind(kind) {
	case Confirm, Cancel, Approve, Retry, Check:
		return Press{Kind: Kind(kind), Value: rest}, nil
	case Form, Page:
		verb, value, ok := strings.Cut(rest, ":")
		if !ok || verb == "" || value == "" {
			return Press{}, ErrUnknownButton
		}
		return Press{Kind: Kind(kind), Verb: verb, Value: value}, nil
	}
	return Press{}, ErrUnknownButton
}
