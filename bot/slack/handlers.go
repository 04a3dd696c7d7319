package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	form, rp, ok := a.verifiedUnchecked(w, r, true)
	if !ok {
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"), Text: form.Get("text"),
		ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"), APIAppID: form.Get("api_app_id"),
	}
	ack := a.command(r.Context(), cmd, checkLater{rp, r})
	writeAck(w, ack)
	afterAck(w, ack)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	form, rp, ok := a.verifiedUnchecked(w, r, true)
	if !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		if a.replayedNow(r.Context(), rp, r) {
			w.WriteHeader(http.StatusOK)
			return
		}
		a.log.Warn("interaction payload is not JSON", "error", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeAck(w, a.interaction(r.Context(), cb, checkLater{rp, r}))
}
func writeAck(w http.ResponseWriter, payload any) {
	if m, ok := payload.(ackMessage); ok {
		writeAckMessage(w, m)
		return
	}
	if m, ok := payload.(ackThen); ok {
		writeAckThen(w, m)
		return
	}
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(payload)
}

// checkLater is a verified request's replay key that nobody checked yet
// (nil rp: checked already, or Socket Mode's envelopes, checked by ID),
// and the request, for the log line of a replay.
type checkLater struct {
	rp  *pending.Replay
	req *http.Request
}

// now checks it, for a request that the bot will not check.
func (a *Adapter) replayNow(ctx context.Context, c checkLater) bool {
	return a.replayedNow(ctx, c.rp, c.req)
}

func caller(id, name string) commands.Caller {
	if name == "" {
		name = id
	}
	return commands.Caller{Platform: "slack", UserID: id, Name: name}
}

// command handles a slash command and returns the ack payload (nil for an
// empty 200). Slow work continues after it returns.
func (a *Adapter) command(ctx context.Context, cmd slack.SlashCommand, later checkLater) any {
	who := caller(cmd.UserID, cmd.UserName)
	text := strings.TrimSpace(unescape(cmd.Text))
	if verb, ok := a.wantsPicker(text); ok {
		if a.replayNow(ctx, later) {
			return nil
		}
		return a.openPicker(ctx, cmd, who, verb)
	}
	o := a.bot.Handle(ctx, bot.Request{Caller: who, Channel: cmd.ChannelID, Text: text, Message: cmd.ResponseURL, Forms: true, Replay: later.rp})
	if o.Replay {
		a.dropped(later.req)
		return nil
	}
	if o.Form != nil {
		return a.openForm(ctx, cmd.TriggerID, who, *o.Form, cmd.ChannelID)
	}
	if o.Work != nil {
		a.runWork(target{responseURL: cmd.ResponseURL, channel: cmd.ChannelID, who: who}, o, false, nil)
	}
	return a.enriched(ackMessage{o.Reply}, cmd.ResponseURL, o)
}

// unescape undoes the HTML escaping Slack applies to slash-command text
// (&amp; &lt; &gt;), so "DB & cache" reaches the vendor as typed.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return unescaper.Replace(s)
}

// interaction handles a button press or a modal submission.
func (a *Adapter) interaction(ctx context.Context, cb slack.InteractionCallback, later checkLater) any {
	who := caller(cb.User.ID, cb.User.Name)
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		if a.replayNow(ctx, later) { // only a click hands its key to the bot
			return nil
		}
		later.rp = nil
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil
		}
		return a.press(ctx, cb, who, cb.ActionCallback.BlockActions[0].ActionID, later)
	case slack.InteractionTypeViewSubmission:
		if ourForm(cb.View.CallbackID) {
			return a.submitPicked(ctx, cb, who)
		}
		return a.submit(ctx, cb, who)
	case slack.InteractionTypeBlockSuggestion: // Socket Mode's options requests
		return a.suggest(ctx, cb)
	case slack.InteractionTypeMessageAction:
		return a.shortcut(ctx, cb, who)
	}
	return nil
}

// press hands a button to the bot. A form opens before the ack; anything
// else is acknowledged at once and the message is updated through
// response_url: a private note, or running and then the result.
func (a *Adapter) press(ctx context.Context, cb slack.InteractionCallback, who commands.Caller, actionID string, later checkLater) any {
	p, err := reply.ParsePress(actionID)
	if err != nil {
		if !a.replayNow(ctx, later) {
			a.log.Warn("click on a button the bot never made", "action_id", reply.Clip(actionID, 64))
		}
		return nil
	}
	o := a.bot.Press(ctx, bot.Click{Caller: who, Channel: cb.Channel.ID, Press: p, Replay: later.rp})
	if o.Replay {
		a.dropped(later.req)
		return nil
	}
	if o.Form != nil {
		f := *o.Form
		if p.Kind == reply.Form {
			f.Values = withCard(f.Values, a.keepCard(ctx, cb))
		}
		return a.openForm(ctx, cb.TriggerID, who, f, cb.Channel.ID)
	}
	t := target{responseURL: cb.ResponseURL, channel: cb.Channel.ID, who: who}
	switch {
	case o.Notice && o.Work != nil: // a Check: a private note now, its answer after
		a.work.Go(func(ctx context.Context) {
			privately := func(r reply.Reply) {
				note := message(r)
				note.ResponseType = slack.ResponseTypeEphemeral
				if err := a.respond(ctx, cb.ResponseURL, note); err != nil {
					a.log.Warn("posting a private note failed", "error", err, "title", r.Title)
				}
			}
			privately(o.Reply)
			privately(o.Work(ctx, nil))
		})
	case o.Notice: // the latest note per clicker; under pressure, none
		if !a.notes.OfferLatest(who.UserID, func(ctx context.Context) {
			note := message(o.Reply)
			note.ResponseType = slack.ResponseTypeEphemeral
			err := a.respond(ctx, cb.ResponseURL, note)
			a.delivered(routeResponseURL, err, false)
			if err != nil {
				a.log.Warn("posting a private note failed", "error", err, "title", o.Reply.Title)
			}
		}) {
			a.metrics.Delivery("slack", routeResponseURL, metrics.Dropped)
			a.log.Warn("too many private notes waiting; this one was dropped", "title", o.Reply.Title)
		}
	case p.Kind == reply.Form: // a card's step: the card moves with it
		c := card{ResponseURL: cb.ResponseURL, Blocks: mustJSON(cb.Message.Blocks)}
		via := target{channel: cb.Channel.ID, who: who}
		if o.Work != nil {
			a.runWorkWith(o, nil, func(ctx context.Context, r reply.Reply) { a.showStep(ctx, c, via, r) })
		} else {
			a.reply(t, o.Reply, func(ctx context.Context) { a.showStep(ctx, c, via, o.Reply) })
		}
	case o.Work != nil:
		a.runWork(t, o, true, func(ctx context.Context) {
			err := a.respond(ctx, cb.ResponseURL, replaceWith(o.Reply))
			a.delivered(routeResponseURL, err, false)
			if err != nil {
				a.log.Warn("showing Running failed; the result will take another route if it must", "error", err)
			}
		})
	default:
		a.reply(t, o.Reply, func(ctx context.Context) { a.deliver(ctx, t, o.Reply, true) })
	}
	return nil
}
