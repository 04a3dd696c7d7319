package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// A ticket card moves with its ticket: a step taken from its buttons
// (accept, submit solution, verify) updates the card in place, keeping
// what it said, adding a status line and offering the next steps.

const blockStatusPrefix = "status-"

// card is where a card is and what it says: its message's response_url
// (good for 30 minutes) and its blocks as they were when pressed.
type card struct {
	ResponseURL string          `json:"response_url"`
	Blocks      json.RawMessage `json:"blocks"`
}

// cardTTL matches response_url's own life.
const cardTTL = 30 * time.Minute

// keepCard remembers the card a form was opened from, so its submission
// can update it; the key travels in the form's private_metadata.
func (a *Adapter) keepCard(ctx context.Context, cb slack.InteractionCallback) string {
	blocks, err := json.Marshal(cb.Message.Blocks)
	if err != nil || cb.ResponseURL == "" {
		return ""
	}
	raw, _ := json.Marshal(card{ResponseURL: cb.ResponseURL, Blocks: blocks})
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "slack-card:" + hex.EncodeToString(b[:])
	if err := a.values.Set(ctx, key, string(raw), cardTTL); err != nil {
		a.log.Warn("keeping a card for its form failed; the result will follow the card instead", "error", err)
		return ""
	}
	return key
}

// takeCard returns the card a form was opened from, once.
func (a *Adapter) takeCard(ctx context.Context, key string) (card, bool) {
	if key == "" {
		return card{}, false
	}
	raw, ok, err := a.values.Take(ctx, key)
	var c card
	if err != nil || !ok || json.Unmarshal([]byte(raw), &c) != nil {
		return card{}, false
	}
	return c, true
}

// showStep shows a lifecycle step's result: a success updates the card
// in place (everyone in the channel sees the ticket move); anything else
// goes only to the person who pressed.
func (a *Adapter) showStep(ctx context.Context, c card, via target, r reply.Reply) {
	if !r.Public || r.Tone == reply.Failure {
		note := message(r)
		note.ResponseType = slack.ResponseTypeEphemeral
		if err := a.respond(ctx, c.ResponseURL, note); err != nil {
			a.log.Warn("posting a card's step failed; trying the Web API", "error", err)
			a.deliver(ctx, via, r, false)
		}
		return
	}
	blocks, err := movedCard(c.Blocks, r)
	if err != nil {
		a.log.Warn("updating a card failed; posting the step instead", "error", err)
		a.deliver(ctx, via, r, false)
		return
	}
	if err := a.respond(ctx, c.ResponseURL, &slack.WebhookMessage{Text: fallback(r), Blocks: &slack.Blocks{BlockSet: blocks}, ReplaceOriginal: true}); err != nil {
		a.log.Warn("updating a card failed; posting the step instead", "error", err)
		a.deliver(ctx, via, r, false)
	}
}

// movedCard is a card's blocks with its buttons replaced by the step's
// status and the next steps' buttons.
func movedCard(raw json.RawMessage, r reply.Reply) ([]slack.Block, error) {
	var old slack.Blocks
	if err := json.Unmarshal(raw, &old); err != nil {
		return nil, fmt.Errorf("reading the card: %w", err)
	}
	var blocks []slack.Block
	steps := 0
	for _, b := range old.BlockSet {
		switch {
		case b.ID() == blockButtons:
			continue
		case strings.HasPrefix(b.ID(), blockStatusPrefix):
			steps++
		}
		blocks = append(blocks, b)
	}
	status := toneEmoji[r.Tone] + " *" + escape(r.Title) + "*"
	if len(r.Lines) > 0 {
		status += " · " + escape(r.Lines[len(r.Lines)-1])
	}
	blocks = append(blocks, slack.NewContextBlock(fmt.Sprintf("%s%d", blockStatusPrefix, steps+1),
		slack.NewTextBlockObject(slack.MarkdownType, reply.Cut(status, maxSectionText), false, false)))
	if rendered := Blocks(reply.Reply{Buttons: r.Buttons}); len(r.Buttons) > 0 {
		blocks = append(blocks, rendered[len(rendered)-1]) // the actions block
	}
	if len(blocks) > maxBlocks {
		return nil, fmt.Errorf("the card has %d blocks", len(blocks))
	}
	return blocks, nil
}
