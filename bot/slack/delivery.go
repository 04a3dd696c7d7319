package slack

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// target is where a result goes: the response_url, and for the fallbacks
// the channel and the person.
type target struct {
	responseURL string
	channel     string
	who         commands.Caller
	// progress, when set, is the running action's progress message in the
	// channel: the result replaces it.
	progress *progress
}

// runWork runs o.Work after the ack (first, if set, before it) and
// delivers the result. If a graceful stop's deadline comes first, the
// user is told that the outcome is unknown instead.
func (a *Adapter) runWork(t target, o bot.Outcome, inPlace bool, first func(ctx context.Context)) {
	t.progress = a.newProgress(t.channel, t.responseURL) // the work's progress, as it goes
	work := o.Work
	o.Work = func(ctx context.Context) reply.Reply { return work(bot.WithProgress(ctx, t.progress.show)) }
	a.runWorkWith(o, first, func(ctx context.Context, r reply.Reply) { a.deliver(ctx, t, r, inPlace) })
}

// runWorkWith is runWork with its own way of showing the result (a card).
func (a *Adapter) runWorkWith(o bot.Outcome, first func(ctx context.Context), show func(context.Context, reply.Reply)) {
	done := func() bool { return true }
	if o.Unfinished != nil {
		done = a.work.OnStop(func(ctx context.Context) { show(ctx, o.Unfinished()) })
	}
	a.work.Go(func(ctx context.Context) {
		defer done()
		if first != nil {
			first(ctx)
		}
		r := o.Work(ctx)
		if done() { // else a stop's deadline came first and its notice was shown
			show(ctx, r)
		}
	})
}

// deliver shows a finished result. The message that asked for it is
// replaced when it was a confirmation (inPlace); a public result is also
// posted to the channel, where the war room sees it.
//
// Every result reaches a person. When response_url fails (after the
// bounded 429 retries), the result goes to the requester privately
// (chat.postEphemeral), then to the channel (chat.postMessage). When every
// route fails, the audit log records it as undelivered, with the result.
func (a *Adapter) deliver(ctx context.Context, t target, r reply.Reply, inPlace bool) {
	var errs []error
	channelTried, publicShown, inPlaceShown := false, false, false
	if t.responseURL != "" {
		switch {
		case r.NewMessage && r.Public: // the message it follows stays as it is
		case inPlace || !r.Public:
			err := a.respond(ctx, t.responseURL, replaceWith(r))
			a.delivered(routeResponseURL, err, false)
			inPlaceShown, errs = err == nil, append(errs, err)
		default:
			if err := a.respond(ctx, t.responseURL, &slack.WebhookMessage{DeleteOriginal: true}); err != nil {
				errs = append(errs, err) // "Working on it" stays; the result follows
			}
		}
		switch {
		case !r.Public:
		case t.progress.finish(ctx, r): // the progress message became the result
			publicShown = true
		default:
			err := a.respond(ctx, t.responseURL, message(r))
			a.delivered(routeResponseURL, err, false)
			if err != nil {
				errs = append(errs, err)
				channelTried, err = true, a.postMessage(ctx, t, r)
				a.delivered(routePost, err, true)
			}
			publicShown, errs = err == nil, append(errs, err)
		}
	} else if r.Public { // a form's result: no response_url, the channel first
		err := a.postMessage(ctx, t, r)
		a.delivered(routePost, err, false)
		channelTried, publicShown, errs = true, err == nil, append(errs, err)
	}
	if err := errors.Join(errs...); err != nil && t.responseURL != "" {
		a.log.Warn("posting to response_url failed", "error", err, "title", r.Title)
	}
	if inPlaceShown || (publicShown && (!inPlace || r.NewMessage)) {
		return
	}
	// The message the requester looks at could not show the result: tell
	// them privately, or else in the channel.
	note := r
	note.Buttons = nil
	if t.responseURL != "" {
		note.Lines = append([]string{"The message above could not be updated, so here is the result."}, r.Lines...)
	}
	err := a.postEphemeral(ctx, t, note)
	a.delivered(routeEphemeral, err, true)
	if err == nil {
		return
	}
	errs = append(errs, err)
	if !channelTried && !publicShown {
		note.Lines = append([]string{"For " + mention(t.who) + ": this could not be shown to you privately, so here it is."}, note.Lines...)
		err = a.postMessage(ctx, t, note)
		a.delivered(routePost, err, true)
		if err == nil {
			return
		}
		errs = append(errs, err)
	}
	if publicShown {
		return
	}
	a.bot.Undelivered(ctx, t.who, t.channel, r, errors.Join(errs...))
}

// mention names the requester in a channel post. Reply text is escaped
// (no pings from user text), so this is the name, not an <@ID> mention.
func mention(c commands.Caller) string {
	if c.Name != "" {
		return c.Name
	}
	return c.UserID
}
