package slack

import (
	"context"
	"fmt"
	"strings"
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
	if err == nil {
		return
	}
	// No file (an app installed before files:write, a workspace that
	// forbids uploads): the same text as messages, in the thread.
	a.log.Warn("sharing a result's attachment as a file failed; posting it as text", "error", err, "channel", t.channel, "title", r.Title)
	err = a.postText(ctx, t.channel, t.progress.messageTS(), f)
	a.delivered(routePost, err, true)
	if err != nil {
		a.log.Warn("posting a result's attachment failed; the message has the counts and first IDs, the audit log every ID",
			"error", err, "channel", t.channel, "title", r.Title)
	}
}

// Block Kit's limits for the text fallback: a section's text holds 3,000
// characters, a message 50 blocks; a little is kept spare.
const (
	maxChunk         = 2900
	maxChunksMessage = 40
)

// postText posts an attachment's text as code blocks, each within a
// section's limit and cut at line ends, as few messages as the block limit
// allows (in thread, when given). The text is escaped like all user text.
func (a *Adapter) postText(ctx context.Context, channel, thread string, f *reply.Attachment) error {
	var chunks []string
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(f.Text, "\n"), "\n") {
		line = cutEscaped(strings.ReplaceAll(line, "```", "'''"), maxChunk-10)
		if b.Len()+len(line)+1 > maxChunk-8 {
			chunks = append(chunks, b.String())
			b.Reset()
		}
		b.WriteString(line + "\n")
	}
	chunks = append(chunks, b.String())
	for start := 0; start < len(chunks); start += maxChunksMessage {
		blocks := []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.PlainTextType, reply.Cut(f.Title, 150), false, false))}
		for _, c := range chunks[start:min(start+maxChunksMessage, len(chunks))] {
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "```"+c+"```", false, false), nil, nil))
		}
		opts := []slack.MsgOption{slack.MsgOptionText(f.Title, false), slack.MsgOptionBlocks(blocks...)}
		if thread != "" {
			opts = append(opts, slack.MsgOptionTS(thread))
		}
		if _, _, err := a.api.PostMessageContext(ctx, channel, opts...); err != nil {
			return fmt.Errorf("chat.postMessage: %w", err)
		}
	}
	return nil
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
