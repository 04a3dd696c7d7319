package slack

import (
	"context"
	"net/http"
	"strconv"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// ackThen is an acknowledgement with work that must wait until Slack has
// it: a confirmation's look-ups, whose result replaces the acknowledged
// message (sent earlier, it could arrive before the message it replaces).
type ackThen struct {
	ackMessage
	after func()
}

// enriched is the ack of a confirmation whose targets the bot can look
// up: after the ack (which waits for no vendor) the look-ups run and the
// same message is replaced through response_url, unless the confirmation
// has moved on meanwhile.
func (a *Adapter) enriched(ack ackMessage, responseURL string, o bot.Outcome) any {
	if o.Enrich == nil || responseURL == "" {
		return ack
	}
	// Counted now (Wait and Drain see it), started once the ack is out.
	start := a.work.Later(func(ctx context.Context) {
		o.Enrich(ctx, func(ctx context.Context, r reply.Reply) { a.UpdateMessage(ctx, responseURL, r) })
	})
	return ackThen{ackMessage: ack, after: start}
}

// writeAckThen writes the ack with its length, so that the flush before
// the after-work sends it whole rather than as a chunked body.
func writeAckThen(w http.ResponseWriter, m ackThen) {
	buf := append(appendMessage(nil, m.r), '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	_, _ = w.Write(buf)
}

// afterAck starts an ack's after-work once the ack is on its way: w (nil
// for Socket Mode, whose Ack has returned) is flushed first. Every ack of
// command goes through it, or the work it counted would never end.
func afterAck(w http.ResponseWriter, payload any) {
	m, ok := payload.(ackThen)
	if !ok {
		return
	}
	if w != nil {
		_ = http.NewResponseController(w).Flush()
	}
	m.after()
}
