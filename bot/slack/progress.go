package slack

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/deliver"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Delivery routes, for incidentbot_chat_deliveries_total.
const (
	routeResponseURL = "response_url"
	routePost        = "chat_post"
	routeUpdate      = "chat_update"
	routeEphemeral   = "chat_post_ephemeral"
)

// responseURLSpare is how many response_url uses a running action may
// spend on progress when it cannot post in the channel. Slack takes five
// uses in 30 minutes; "running", the result in place of the confirmation
// and the result in the channel take three.
const responseURLSpare = 2

// progress shows a running action's interim replies. The first is posted
// in the channel as a message of the bot's own (chat.postMessage); later
// ones update it with chat.update, at most one per Options.ProgressEvery
// (Slack asks for no more than about one message a second per channel);
// and the result replaces it too, so the war room reads one message that
// goes from "deleted 60 of 180 so far" to the result. Where the bot may not
// post (not invited to the channel), progress replaces the confirmation
// through response_url instead, within responseURLSpare uses.
type progress struct {
	a           *Adapter
	channel     string
	responseURL string

	mu    sync.Mutex
	ts    string // the message the bot posted, once it has
	last  time.Time
	noWeb bool // posting failed: use response_url
	spare int
	// ready is closed once "Running" has replaced the confirmation (or
	// failed to): progress that falls back to the same response_url waits
	// for it, so "Running" never overwrites "deleted 60 so far".
	ready <-chan struct{}
}

func (a *Adapter) newProgress(channel, responseURL string) *progress {
	return &progress{a: a, channel: channel, responseURL: responseURL, spare: responseURLSpare}
}

// show is the bot's progress sink. Replies that come sooner than the
// interval after the last one shown are dropped: the next one, or the
// result, says more anyway.
func (p *progress) show(r reply.Reply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.a.now()
	if !p.last.IsZero() && now.Sub(p.last) < p.a.progressEvery {
		return
	}
	p.last = now
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	r.Public = true
	switch {
	case p.ts != "":
		err := p.a.update(ctx, p.channel, p.ts, r)
		p.a.delivered(routeUpdate, err, false)
		if err != nil {
			p.a.log.Warn("updating the progress message failed", "error", err, "channel", p.channel)
		}
		return
	case !p.noWeb && p.channel != "":
		ts, err := p.a.post(ctx, p.channel, r)
		p.a.delivered(routePost, err, false)
		if err == nil {
			p.ts = ts
			return
		}
		p.a.log.Warn("posting the progress message failed; progress goes to response_url", "error", err, "channel", p.channel)
		p.noWeb = true
	}
	if p.ready != nil {
		select {
		case <-p.ready:
		case <-ctx.Done():
			return
		}
	}
	if p.spare > 0 && p.responseURL != "" {
		p.spare--
		r.Public = false
		p.a.delivered(routeResponseURL, p.a.respond(ctx, p.responseURL, replaceWith(r)), true)
	}
}

// finish puts the result in place of the progress message: the first
// public route of a result. It is unavailable when no progress message was
// posted.
func (p *progress) finish(ctx context.Context, r reply.Reply) error {
	if p == nil {
		return deliver.ErrUnavailable
	}
	p.mu.Lock()
	ts := p.ts
	p.mu.Unlock()
	if ts == "" {
		return deliver.ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	if err := p.a.update(ctx, p.channel, ts, r); err != nil {
		p.a.log.Error("putting the result in place of the progress message failed; posting it instead", "error", err, "channel", p.channel)
		return err
	}
	return nil
}

// delivered counts one delivery by route (see metrics.Delivered).
func (a *Adapter) delivered(route string, err error, fallback bool) {
	a.metrics.Delivered("slack", route, err, fallback)
}

// Announce posts r in channel as a message of the bot's own and returns
// the reference UpdateMessage edits it by ("post:CHANNEL:TS"): the bot's
// Announcer for Slack (an approval request, whose expiry removes its
// buttons).
func (a *Adapter) Announce(ctx context.Context, channel string, r reply.Reply) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	ts, err := a.post(ctx, channel, r)
	a.delivered(routePost, err, false)
	if err != nil {
		return "", err
	}
	return postRef + channel + ":" + ts, nil
}

// postRef starts the reference of a message the bot posted itself.
const postRef = "post:"

// updatePosted replaces a message the bot posted itself (see Announce).
func (a *Adapter) updatePosted(ctx context.Context, ref string, r reply.Reply) error {
	ch, ts, _ := strings.Cut(strings.TrimPrefix(ref, postRef), ":")
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	err := a.update(ctx, ch, ts, r)
	a.delivered(routeUpdate, err, false)
	return err
}

// Post sends r to a channel as a message of the bot's own: the audit
// channel's poster.
func (a *Adapter) Post(ctx context.Context, channel string, r reply.Reply) error {
	_, err := a.post(ctx, channel, r)
	return err
}
