package discord

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// Delivery routes, for incidentbot_chat_deliveries_total.
const (
	routeEdit     = "interaction_edit"
	routeFollowup = "followup"
	routeChannel  = "channel_message"
)

// progress edits an interaction's message with a running action's interim
// replies, at most one per Options.ProgressEvery: Discord limits edits per
// message (its interaction webhooks answer 429 to bursts). A progress edit
// is never retried after a 429 nor replaced by a follow-up: the result
// comes soon, by the usual route.
type progress struct {
	a *Adapter
	i *discordgo.Interaction

	mu   sync.Mutex
	last time.Time
}

func (p *progress) show(r reply.Reply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < p.a.progressEvery {
		return
	}
	p.last = now
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := p.a.session.InteractionResponseEdit(p.i, edit(r), discordgo.WithContext(ctx))
	p.a.delivered(routeEdit, err, false)
	if err != nil {
		p.a.log.Warn("showing progress failed", "error", err)
	}
}

// delivered counts one delivery by route (see metrics.Delivered).
func (a *Adapter) delivered(route string, err error, fallback bool) {
	a.metrics.Delivered("discord", route, err, fallback)
}

// Announce posts r in channel as a message of the bot's own and returns
// the reference UpdateMessage edits it by ("post:CHANNEL/ID"): the bot's
// Announcer for Discord (an approval request, whose expiry removes its
// buttons). The bot needs Send Messages and Embed Links there; without
// them the request is the click's follow-up, as before.
func (a *Adapter) Announce(ctx context.Context, channelID string, r reply.Reply) (string, error) {
	d := message(r)
	var m *discordgo.Message
	err := a.rest(ctx, func() error {
		var err error
		m, err = a.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Embeds: d.Embeds, Components: d.Components,
			AllowedMentions: d.AllowedMentions}, discordgo.WithContext(ctx))
		return err
	})
	a.delivered(routeChannel, err, false)
	if err != nil {
		return "", err
	}
	return postRef + channelID + "/" + m.ID, nil
}

// postRef starts the reference of a message the bot posted itself.
const postRef = "post:"

// updatePosted replaces a message the bot posted itself (see Announce);
// a reply without buttons removes them.
func (a *Adapter) updatePosted(ctx context.Context, ref string, r reply.Reply) error {
	channelID, id, _ := strings.Cut(strings.TrimPrefix(ref, postRef), "/")
	d := message(r)
	components := d.Components
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return a.rest(ctx, func() error {
		_, err := a.session.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: id, Channel: channelID, Embeds: &d.Embeds,
			Components: &components, AllowedMentions: d.AllowedMentions}, discordgo.WithContext(ctx))
		return err
	})
}

// Post sends r to a channel as a message of the bot's own: the audit
// channel's poster. The bot needs View Channel, Send Messages and Embed
// Links there.
func (a *Adapter) Post(ctx context.Context, channelID string, r reply.Reply) error {
	d := message(r)
	return a.rest(ctx, func() error {
		_, err := a.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Embeds: d.Embeds, AllowedMentions: d.AllowedMentions},
			discordgo.WithContext(ctx))
		return err
	})
}
