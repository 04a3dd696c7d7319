package discord

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/ackbudget"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// GatewayReady is a readiness probe: nil while the gateway session is up.
func (a *Adapter) GatewayReady(context.Context) error {
	if !a.connected.Load() {
		return errors.New("discord gateway is not connected")
	}
	return nil
}

// RunGateway connects to the gateway and serves interactions until ctx is done.
func (a *Adapter) RunGateway(ctx context.Context) error {
	if err := a.session.Open(); err != nil {
		return fmt.Errorf("discord gateway: %w", err)
	}
	<-ctx.Done()
	return a.session.Close()
}

// onInteractionCreate is the gateway path: the same handling, with the
// initial response sent over REST.
func (a *Adapter) onInteractionCreate(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	ctx := context.Background()
	// discordgo runs this in a goroutine of its own with no recover: a
	// panic here would end the process.
	defer func() {
		if p := work.Recovered(recover()); p != nil {
			a.log.Error("discord gateway: recovered from a panic", "error", p, "stack", p.Stack)
		}
	}()
	if ic == nil || ic.Interaction == nil {
		return
	}
	resp, after, ok := a.gatewayHandle(ctx, ic.Interaction)
	if !ok {
		return
	}
	start := a.work.Later(after)
	if err := a.rest(ctx, func() error { return a.session.InteractionRespond(ic.Interaction, resp) }); err != nil {
		a.log.Error("initial response failed", "error", err, "interaction", ic.ID)
	}
	start() // even after a failed response: a confirmed action must still report
}

// gatewayHandle is the part of a gateway interaction before its initial
// response, bounded by ackbudget.Sync; ok is false for a re-delivery.
func (a *Adapter) gatewayHandle(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse, after func(context.Context), ok bool) {
	ctx, cancel := ackbudget.Context(ctx)
	defer cancel()
	if a.redelivered(ctx, i) {
		return nil, nil, false
	}
	resp, after = a.safeHandle(ctx, i)
	return resp, after, true
}

// redelivered says whether the gateway delivered this interaction before
// (a resumed session can replay events): it was answered then, and running
// it again would run a command twice. Interaction IDs live in the replay
// cache, shared by replicas, for as long as a signature does.
func (a *Adapter) redelivered(ctx context.Context, i *discordgo.Interaction) bool {
	if i.ID == "" {
		return false
	}
	first, err := a.seen.SeenOnce(ctx, "discord-interaction:"+i.ID, 2*maxSkew)
	if err != nil { // the shared cache is down: serve rather than stop answering
		a.log.Error("replay cache unavailable; serving the interaction", "error", err)
		return false
	}
	if !first {
		a.log.Info("re-delivered gateway interaction dropped: it was answered when it first came", "interaction", reply.Clip(i.ID, 32))
	}
	return !first
}

// OnInteractionCreate exposes the gateway handler, so tests drive the
// gateway path with InteractionCreate events.
func (a *Adapter) OnInteractionCreate(ic *discordgo.InteractionCreate) {
	a.onInteractionCreate(a.session, ic)
}
