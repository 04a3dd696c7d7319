package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/deliver"
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
	ready := make(chan struct{})
	t.progress.ready = ready
	work := o.Work
	o.Work = func(ctx context.Context, _ bot.Progress) reply.Reply { return work(ctx, t.progress.show) }
	a.runWorkWith(o, func(ctx context.Context) {
		defer close(ready)
		if first != nil {
			first(ctx)
		}
	}, func(ctx context.Context, r reply.Reply) { a.deliver(ctx, t, r, inPlace) })
}

// runWorkWith is runWork with its own way of showing the result (a card).
func (a *Adapter) runWorkWith(o bot.Outcome, first func(ctx context.Context), show func(context.Context, reply.Reply)) {
	done := func() bool { return true }
	if o.Unfinished != nil {
		done = a.work.OnStop(func(ctx context.Context) { show(ctx, o.Unfinished()) })
	}
	a.work.Go(func(ctx context.Context) {
		defer done()
		// "Running" goes out beside the vendor work, not before it: a slow
		// or hung response_url must not delay the vendor call. The result
		// waits for it, so that it is never overwritten by "Running".
		shown := make(chan struct{})
		go func() {
			defer close(shown)
			defer a.recoverJob()
			if first != nil {
				first(ctx)
			}
		}()
		r := o.Work(ctx, nil)
		<-shown
		if done() { // else a stop's deadline came first and its notice was shown
			show(ctx, r)
		}
	})
}

// deliver shows a finished result through the shared fallback chain
// (bot/deliver): in place of the message that asked for it when it was a
// confirmation (inPlace), in the channel too when it is public, and else
// privately (chat.postEphemeral), then in the channel (chat.postMessage),
// then as undelivered in the audit log.
func (a *Adapter) deliver(ctx context.Context, t target, r reply.Reply, inPlace bool) {
	a.chain.Deliver(ctx, a.routes(t), deliver.Target{Who: t.who, Channel: t.channel, InPlace: inPlace}, r)
}

// routes are Slack's ways of showing a result for t.
func (a *Adapter) routes(t target) deliver.Routes {
	rt := deliver.Routes{
		Private: deliver.Route{Name: routeEphemeral, Send: func(ctx context.Context, r reply.Reply) error { return a.postEphemeral(ctx, t, r) }},
		Channel: deliver.Route{Name: routePost, Send: func(ctx context.Context, r reply.Reply) error { return a.postMessage(ctx, t, r) }},
	}
	progress := deliver.Route{Name: routeUpdate, Send: t.progress.finish} // the progress message becomes the result
	if t.responseURL == "" {                                              // a form's result: the channel first
		rt.Public = []deliver.Route{progress, rt.Channel}
		return a.withAttachment(t, rt)
	}
	rt.InPlace = deliver.Route{Name: routeResponseURL, Send: func(ctx context.Context, r reply.Reply) error {
		return a.respond(ctx, t.responseURL, replaceWith(r))
	}}
	rt.Clear = func(ctx context.Context) error { // "Working on it" goes; the result follows
		return a.respond(ctx, t.responseURL, &slack.WebhookMessage{DeleteOriginal: true})
	}
	rt.Public = []deliver.Route{progress, {Name: routeResponseURL, Send: func(ctx context.Context, r reply.Reply) error {
		return a.respond(ctx, t.responseURL, message(r))
	}}}
	return a.withAttachment(t, rt)
}
