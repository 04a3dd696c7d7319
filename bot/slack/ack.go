package slack

import (
	"net/http"
	"sync"

	"github.com/incidentbot/incidentbot/bot/internal/jsonstr"
	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// ackMessage is message(r) for the acknowledgement of a slash command: it
// writes the JSON encoding/json would write for message(r), byte for byte
// (TestAckJSONMatchesEncodingJSON), straight from the laid-out blocks,
// without building slack-go's structs or reflecting over them.
type ackMessage struct{ r reply.Reply }

// MarshalJSON implements json.Marshaler (Socket Mode acks with it).
func (m ackMessage) MarshalJSON() ([]byte, error) { return appendMessage(nil, m.r), nil }

var ackBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeAckMessage answers with m's JSON and a newline, as json.Encoder
// would.
func writeAckMessage(w http.ResponseWriter, m ackMessage) {
	bp := ackBuffers.Get().(*[]byte)
	buf := append(appendMessage((*bp)[:0], m.r), '\n')
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf)
	if cap(buf) <= 64<<10 {
		*bp = buf
		ackBuffers.Put(bp)
	}
}

// appendMessage appends the JSON of message(r).
func appendMessage(dst []byte, r reply.Reply) []byte {
	dst = append(dst, '{')
	if text := fallback(r); text != "" {
		dst = append(dst, `"text":`...)
		dst = appendString(dst, text)
		dst = append(dst, ',')
	}
	dst = append(dst, `"blocks":[`...)
	for i, b := range layout(r) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendBlock(dst, b)
	}
	responseType := slack.ResponseTypeEphemeral
	if r.Public {
		responseType = slack.ResponseTypeInChannel
	}
	dst = append(dst, `],"response_type":`...)
	dst = appendString(dst, responseType)
	return append(dst, `,"replace_original":false,"delete_original":false}`...)
}

func appendBlock(dst []byte, b block) []byte {
	switch b.kind {
	case sectionBlock:
		dst = append(dst, `{"type":"section","text":`...)
		dst = appendMrkdwn(dst, b.text)
		dst = append(dst, `,"block_id":`...)
		dst = appendString(dst, b.id)
		return append(dst, '}')
	case actionsBlock:
		dst = append(dst, `{"type":"actions","block_id":`...)
		dst = appendString(dst, b.id)
		dst = append(dst, `,"elements":[`...)
		for i, x := range b.buttons {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"type":"button","text":{"type":"plain_text","text":`...)
			dst = appendString(dst, x.label)
			dst = append(dst, `,"emoji":false}`...)
			if x.actionID != "" {
				dst = append(dst, `,"action_id":`...)
				dst = appendString(dst, x.actionID)
			}
			if x.value != "" {
				dst = append(dst, `,"value":`...)
				dst = appendString(dst, x.value)
			}
			if x.style != "" {
				dst = append(dst, `,"style":`...)
				dst = appendString(dst, string(x.style))
			}
			dst = append(dst, '}')
		}
		return append(dst, "]}"...)
	default: // contextBlock
		dst = append(dst, `{"type":"context","block_id":`...)
		dst = appendString(dst, b.id)
		dst = append(dst, `,"elements":[`...)
		dst = appendMrkdwn(dst, b.text)
		return append(dst, "]}"...)
	}
}

func appendMrkdwn(dst []byte, text string) []byte {
	dst = append(dst, `{"type":"mrkdwn","text":`...)
	dst = appendString(dst, text)
	return append(dst, '}')
}

// appendString appends s as encoding/json would write it.
func appendString(dst []byte, s string) []byte { return jsonstr.Append(dst, s, jsonstr.Marshaled) }
