package discord

import (
	"context"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// replayHolder carries a verified request's replay key, unchecked, to the
// one call that hands the interaction to the bot (run or component), and
// brings back whether the bot found it a replay.
type replayHolder struct {
	rp       *pending.Replay
	replayed bool
}

type replayKey struct{}

func withReplay(ctx context.Context, rp *pending.Replay) (context.Context, *replayHolder) {
	h := &replayHolder{rp: rp}
	return context.WithValue(ctx, replayKey{}, h), h
}

// takeReplay returns the replay key for the bot to check (nil: checked
// already, or a gateway interaction, checked by its ID), once.
func takeReplay(ctx context.Context) *pending.Replay {
	h, _ := ctx.Value(replayKey{}).(*replayHolder)
	if h == nil {
		return nil
	}
	rp := h.rp
	h.rp = nil
	return rp
}

// wasReplayed records that the bot answered a replay.
func wasReplayed(ctx context.Context) {
	if h, _ := ctx.Value(replayKey{}).(*replayHolder); h != nil {
		h.replayed = true
	}
}

// goesToBot says whether handle passes i straight to the bot's Handle
// (a typed command that opens no form: run) or Press (a button the bot
// made: component), so that the bot can check its replay key. Anything
// else is checked before it is handled.
func goesToBot(i *discordgo.Interaction) bool {
	if _, ok := caller(i); !ok {
		return false
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok || data.CommandType == discordgo.MessageApplicationCommand {
			return false
		}
		if len(data.Options) == 0 || data.Options[0] == nil {
			return true
		}
		sub := data.Options[0]
		v, ok := commands.Lookup(sub.Name)
		if !ok {
			return true
		}
		if _, err := optionValues(sub.Options); err != nil {
			return false
		}
		return len(modalOptions(v, true)) == 0
	case discordgo.InteractionMessageComponent:
		data, ok := i.Data.(discordgo.MessageComponentInteractionData)
		if !ok {
			return false
		}
		_, err := reply.ParsePress(data.CustomID)
		return err == nil && !strings.HasPrefix(data.CustomID, actPrefix)
	}
	return false
}

// replayedNow checks rp in the replay cache and logs and counts a replay.
// A cache that is down serves the request rather than stop answering.
func (a *Adapter) replayedNow(ctx context.Context, rp *pending.Replay, r *http.Request) bool {
	first, err := a.seen.SeenOnce(ctx, rp.Key, rp.TTL)
	if err != nil {
		a.log.Error("replay cache unavailable; serving the request", "error", err)
		return false
	}
	if !first {
		a.dropped(r)
	}
	return !first
}

func (a *Adapter) dropped(r *http.Request) {
	a.log.Warn("replayed request refused", "remote", r.RemoteAddr)
	a.metrics.WebhookRejected("discord", metrics.Replay)
}
