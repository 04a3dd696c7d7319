// Package deliver is the fallback chain the chat adapters share to show a
// finished result: in place, else a private note to the requester, else a
// post in the channel, else the audit log records it as undelivered. An
// adapter says how each route is sent on its platform; the chain decides
// which to try, in what order, what the fallback note says, and counts each
// attempt in incidentbot_chat_deliveries_total.
package deliver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Route is one way of showing a reply on a platform.
type Route struct {
	// Name is the route label of incidentbot_chat_deliveries_total.
	Name string
	// Send shows r. It returns ErrUnavailable when the route cannot be used
	// for this request (then it is neither counted nor a failure).
	Send func(ctx context.Context, r reply.Reply) error
}

// ErrUnavailable is what Route.Send returns when the route does not apply
// (no progress message was posted, no response_url was given).
var ErrUnavailable = errors.New("route not available")

// ErrRateLimited marks a failure of the in-place route by a platform's rate
// limit: the fallback note says so rather than "could not be updated".
var ErrRateLimited = errors.New("rate limited")

// Routes are a platform's ways of showing one request's result. A route
// with a nil Send is not there.
type Routes struct {
	// InPlace replaces the message the requester is looking at (Slack: a
	// response_url replace; Discord: an edit of the interaction's
	// response).
	InPlace Route
	// Clear removes the requester's interim message when a public result
	// goes to the channel instead of replacing it (Slack: delete_original).
	Clear func(ctx context.Context) error
	// Public shows a public result in the channel: the first that works
	// wins (Slack: the progress message, then response_url in_channel;
	// Discord: a follow-up).
	Public []Route
	// Private shows a note to the requester alone (Slack:
	// chat.postEphemeral; Discord: an ephemeral follow-up).
	Private Route
	// Channel posts in the channel as the bot: the fallback of last resort
	// (Slack: chat.postMessage; Discord: a channel message).
	Channel Route
}

// Target is who asked and where, and whether the result replaces the
// message they pressed (a confirmation) rather than following it.
type Target struct {
	Who     commands.Caller
	Channel string
	InPlace bool
}

// Undelivered records a result no route could show (the bot's audit).
type Undelivered func(ctx context.Context, who commands.Caller, channel string, r reply.Reply, err error)

// Chain is the fallback chain of one platform.
type Chain struct {
	Platform    string // the metrics' platform label: slack, discord
	Display     string // the platform's name in a note: Slack, Discord
	Metrics     *metrics.Metrics
	Log         *slog.Logger
	Undelivered Undelivered
}

// Notes the chain puts above a result shown by a fallback route.
const (
	NoteNotUpdated  = "The message above could not be updated, so here is the result."
	NoteNotPosted   = "This could not be posted in the channel, so nobody else can see it yet; post it again or ask in the channel."
	noteRateLimited = " is rate-limiting updates to the message above, so here is the result."
)

// Deliver shows r. The message the requester pressed is replaced when the
// result belongs there (t.InPlace, or a private result); a public result is
// also shown in the channel, where the war room sees it; a result that is
// a new message leaves the message it follows as it is.
//
// Every result reaches a person: when the route the requester looks at
// fails, the result goes to them privately, then to the channel as a post
// that names them. When every route fails, Undelivered records it.
func (c *Chain) Deliver(ctx context.Context, rt Routes, t Target, r reply.Reply) {
	var errs []error
	var inPlaceErr error
	kept := r.NewMessage && r.Public // the message it follows stays as it is
	inPlaceShown, publicShown, channelTried := false, false, false
	if rt.InPlace.Send != nil {
		switch {
		case kept:
		case t.InPlace || !r.Public:
			inPlaceErr = c.try(ctx, rt.InPlace, r, false)
			inPlaceShown, errs = inPlaceErr == nil, append(errs, inPlaceErr)
		case rt.Clear != nil:
			if err := rt.Clear(ctx); err != nil {
				errs = append(errs, err) // the interim message stays; the result follows
			}
		}
	}
	if r.Public {
		for _, route := range rt.Public {
			err := c.try(ctx, route, r, false)
			if errors.Is(err, ErrUnavailable) {
				continue
			}
			channelTried = channelTried || route.Name == rt.Channel.Name
			if publicShown = err == nil; publicShown {
				break
			}
			errs = append(errs, err)
		}
		if !publicShown && !channelTried && rt.Channel.Send != nil {
			err := c.try(ctx, rt.Channel, r, true)
			channelTried, publicShown, errs = true, err == nil, append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		c.Log.Warn("a route failed to show the result; it takes the next", "error", err, "title", r.Title)
	}
	if inPlaceShown || (publicShown && (!t.InPlace || r.NewMessage)) {
		return
	}
	// The message the requester looks at could not show the result: tell
	// them privately, or else in the channel.
	note := r
	note.Buttons = nil
	switch {
	case kept:
		note.Lines = append([]string{NoteNotPosted}, r.Lines...)
	case errors.Is(inPlaceErr, ErrRateLimited):
		note.Lines = append([]string{c.Display + noteRateLimited}, r.Lines...)
	case rt.InPlace.Send != nil: // there is a message above, and it does not show the result
		note.Lines = append([]string{NoteNotUpdated}, r.Lines...)
	}
	err := c.try(ctx, rt.Private, note, true)
	if err == nil {
		return
	}
	errs = append(errs, err)
	if !channelTried && !publicShown {
		note.Lines = append([]string{"For " + name(t.Who) + ": this could not be shown to you privately, so here it is."}, note.Lines...)
		if err = c.try(ctx, rt.Channel, note, true); err == nil {
			return
		}
		errs = append(errs, err)
	}
	if publicShown {
		return
	}
	if c.Undelivered != nil {
		c.Undelivered(ctx, t.Who, t.Channel, r, errors.Join(errs...))
	}
}

// try sends r by route and counts the attempt.
func (c *Chain) try(ctx context.Context, route Route, r reply.Reply, fallback bool) error {
	if route.Send == nil {
		return ErrUnavailable
	}
	err := route.Send(ctx, r)
	if !errors.Is(err, ErrUnavailable) {
		c.Metrics.Delivered(c.Platform, route.Name, err, fallback)
	}
	return err
}

// name names the requester in a channel post. Reply text is escaped by
// each platform (no pings from user text), so this is the name, not a
// mention.
func name(c commands.Caller) string {
	if c.Name != "" {
		return c.Name
	}
	return c.UserID
}
