package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// respond posts to a response_url.
func (a *Adapter) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	if responseURL == "" {
		return errors.New("no response_url")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, msg); err != nil {
		return fmt.Errorf("posting to response_url: %w", err)
	}
	return nil
}

// postEphemeral shows r to the requester only, in the channel.
func (a *Adapter) postEphemeral(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" || t.who.UserID == "" {
		return errors.New("chat.postEphemeral: no channel or user")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if _, err := a.api.PostEphemeralContext(ctx, t.channel, t.who.UserID, slack.MsgOptionText(fallback(r), false), slack.MsgOptionBlocks(Blocks(r)...)); err != nil {
		return fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return nil
}

// postMessage posts r in the channel.
func (a *Adapter) postMessage(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" {
		return errors.New("chat.postMessage: no channel")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	if _, _, err := a.api.PostMessageContext(ctx, t.channel, slack.MsgOptionText(fallback(r), false), slack.MsgOptionBlocks(Blocks(r)...)); err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	return nil
}
