package bot

import (
	"context"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// AuditPoster posts a message to the audit channel.
type AuditPoster func(ctx context.Context, r reply.Reply) error

// SetAuditChannel has a message posted through post (on platform, for the
// metrics) for every confirmed destructive action and every ticket created.
// A failed post is logged and counted, and never holds up the action.
func (b *Bot) SetAuditChannel(platform string, post AuditPoster) {
	b.mu.Lock()
	b.auditPlatform, b.auditPost = platform, post
	b.mu.Unlock()
}

// channelPost is what a result's message in the audit channel is made of.
type channelPost struct {
	trail  trail
	result *commands.Result
	err    error
}

// postAudit is the audit channel's observer: a result that carries a
// channelPost is posted in the background, and the responder's reply
// does not wait for it.
func (b *Bot) postAudit(ctx context.Context, e Event) {
	if e.post == nil {
		return
	}
	b.mu.Lock()
	platform, post := b.auditPlatform, b.auditPost
	b.mu.Unlock()
	if post == nil {
		return
	}
	r := auditReply(e.post.trail, e.Summary, e.post.result, e.post.err)
	b.updates.Go(func(context.Context) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		err := post(ctx, r)
		b.metrics.AuditPost(platform, err == nil)
		if err != nil {
			b.log.Error("posting to the audit channel failed", "error", err, "verb", e.Summary.Verb, "platform", platform)
		}
	})
}

// verbLabel is the verb a command names, for metrics: a verb of the schema
// (the default verb for nothing at all), or "unknown", never the user's
// text.
func verbLabel(words []string) string {
	if len(words) == 0 {
		return commands.DefaultVerb().Name
	}
	if v, ok := commands.Lookup(strings.ToLower(words[0])); ok {
		return v.Name
	}
	return metrics.Unknown
}
