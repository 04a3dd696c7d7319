package slack

import (
	"context"
	"time"

	"github.com/incidentbot/incidentbot/bot/deliver"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/slack-go/slack"
)

// routeFile is a result's attachment shared as a file.
const routeFile = "file_upload"

// uploadTimeout bounds the three calls of one file upload.
const uploadTimeout = 20 * time.Second

// attach puts a public result's attachment (every ID by outcome) one
// click away: a text file shared in the thread of the result's message,
// or in the channel when that message's ts is not known (a result shown
// through response_url). It is Slack's upload flow: files.getUploadURLExternal,
// the upload to the URL it gives, files.completeUploadExternal with the
// channel and thread. A failure is logged: the message itself has the
// counts and the first IDs, and the audit log every ID.
func (a *Adapter) attach(ctx context.Context, t target, r reply.Reply) {
	if r.Attachment == nil || !r.Public || t.channel == "" || r.Attachment.Text == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), uploadTimeout)
	defer cancel()
	f := r.Attachment
	_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{Channel: t.channel, ThreadTimestamp: t.progress.messageTS(),
		Filename: f.Name, Title: f.Title, Content: f.Text, FileSize: len(f.Text), SnippetType: "text"})
	a.delivered(routeFile, err, false)
	if err != nil {
		a.log.Warn("sharing a result's attachment failed; the message has the counts and first IDs, the audit log every ID",
			"error", err, "channel", t.channel, "title", r.Title)
	}
}

// messageTS is the progress message's ts, which the result replaced, or
// "" when none was posted.
func (p *progress) messageTS() string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ts
}

// withAttachment makes each public route, once it has shown a result,
// share the result's attachment with it.
func (a *Adapter) withAttachment(t target, rt deliver.Routes) deliver.Routes {
	public := make([]deliver.Route, len(rt.Public))
	for i, route := range rt.Public {
		send := route.Send
		route.Send = func(ctx context.Context, r reply.Reply) error {
			err := send(ctx, r)
			if err == nil {
				a.attach(ctx, t, r)
			}
			return err
		}
		public[i] = route
	}
	rt.Public = public
	return rt
}
