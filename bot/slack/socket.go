package slack

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/bot/ackbudget"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// RunSocketMode connects to Slack over Socket Mode (no public URL needed)
// and serves slash commands and interactions until ctx is done. Every
// envelope is acknowledged as soon as the bot has its answer; slow work goes
// on after the ack, as over HTTP. slack-go reconnects on its own.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	client := socketmode.New(a.api)
	var inflight sync.WaitGroup
	defer func() { // a stop waits for the envelopes being answered
		done := make(chan struct{})
		go func() { inflight.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(socketAckWait):
		}
	}()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				if evt.Type == socketmode.EventTypeSlashCommand || evt.Type == socketmode.EventTypeInteractive {
					// Each on its own, as over HTTP: an options request
					// waiting on a slow vendor, or a form waiting on
					// views.open, must not hold up the envelopes behind it
					// past Slack's 3 s.
					inflight.Add(1)
					go func() {
						defer inflight.Done()
						a.socketEvent(ctx, client, evt)
					}()
					continue
				}
				a.socketEvent(ctx, client, evt)
			}
		}
	}()
	return client.RunContext(ctx)
}

// socketAckWait bounds an ack's wait for the connection's writer, which is
// gone once the client stops: an ack must not block a stop for ever.
const socketAckWait = 5 * time.Second

// socketAcker is the part of the Socket Mode client an event needs.
type socketAcker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// ack acknowledges req with payload (nil for none).
func ack(ctx context.Context, client socketAcker, req socketmode.Request, payload any) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), socketAckWait)
	defer cancel()
	return client.AckCtx(ctx, req.EnvelopeID, payload)
}

func (a *Adapter) socketEvent(ctx context.Context, client socketAcker, evt socketmode.Event) {
	ctx, cancel := ackbudget.Context(ctx) // the ack's own wait is not counted (see ack)
	defer cancel()
	var payload any
	// A panic while handling one envelope is answered with a reference
	// and logged with its stack; the connection and the process live on.
	defer func() {
		if p := work.Recovered(recover()); p != nil {
			r := a.bot.InternalError(ctx, "slack socket mode: recovered from a panic", p, "event", evt.Type, "stack", p.Stack)
			if evt.Request != nil {
				if err := ack(ctx, client, *evt.Request, message(r)); err != nil {
					a.log.Error("socket mode ack failed", "error", err)
				}
			}
		}
	}()
	if a.redelivered(ctx, evt) {
		if err := ack(ctx, client, *evt.Request, nil); err != nil {
			a.log.Error("socket mode ack failed", "error", err)
		}
		return
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			break
		}
		payload = a.command(ctx, cmd, checkLater{})
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			break
		}
		payload = a.interaction(ctx, cb, checkLater{})
		if o, ok := payload.(optionsAnswer); ok {
			payload = o.within(maxSocketPayload)
		}
	case socketmode.EventTypeConnected:
		a.connected.Store(true)
		a.log.Info("socket mode connected")
		return
	case socketmode.EventTypeDisconnect:
		a.connected.Store(false) // slack-go reconnects; Connected follows
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.connected.Store(false)
		a.log.Warn("socket mode connection error; slack-go will reconnect", "event", evt.Type, "detail", fmt.Sprint(evt.Data))
		return
	default:
		if evt.Request == nil {
			return
		}
	}
	if evt.Request != nil {
		if err := ack(ctx, client, *evt.Request, payload); err != nil {
			a.log.Error("socket mode ack failed", "error", err)
		}
	}
	afterAck(nil, payload)
}

// redelivered says whether evt is a command or an interaction whose
// envelope was handled before: Slack sends an envelope again (the same
// envelope_id, retry_attempt above 0) when it did not see the ack in time,
// as after a reconnect. Running it again would run a command twice, so it
// is acknowledged and nothing else, as the webhook path does with
// X-Slack-Retry-Num. The envelope IDs live in the replay cache, shared by
// replicas, for as long as a request's signature does.
func (a *Adapter) redelivered(ctx context.Context, evt socketmode.Event) bool {
	if evt.Request == nil || evt.Request.EnvelopeID == "" ||
		(evt.Type != socketmode.EventTypeSlashCommand && evt.Type != socketmode.EventTypeInteractive) {
		return false
	}
	first, err := a.seen.SeenOnce(ctx, "slack-envelope:"+evt.Request.EnvelopeID, 2*maxSkew)
	if err != nil { // the shared cache is down: serve rather than stop answering
		a.log.Error("replay cache unavailable; serving the envelope", "error", err)
		return false
	}
	if !first {
		a.log.Info("re-delivered socket mode envelope acknowledged without doing the work again",
			"envelope_id", reply.Clip(evt.Request.EnvelopeID, 64), "retry", evt.Request.RetryAttempt, "reason", reply.Clip(evt.Request.RetryReason, 64))
	}
	return !first
}

// SocketReady is a readiness probe: nil while Socket Mode is connected.
func (a *Adapter) SocketReady(context.Context) error {
	if !a.connected.Load() {
		return fmt.Errorf("slack socket mode is not connected")
	}
	return nil
}
