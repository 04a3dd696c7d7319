package slack

import (
	"net/http"
	"sync"
	"unicode/utf8"

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

// appendString appends s as a JSON string, escaped as encoding/json escapes
// by default: HTML's <, > and & as \u003c..., U+2028 and U+2029, and
// invalid UTF-8 as U+FFFD.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight safe ASCII bytes at a time: most of a reply is.
		for i+8 <= len(s) {
			w := s[i : i+8]
			if !htmlSafe8(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonSafe are the ASCII bytes encoding/json writes as they are when it
// escapes HTML.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// htmlSafe8 reports whether the 8 bytes of x (little-endian) are all in
// jsonSafe: ASCII, none a control byte, '"', '\\', '<', '>' or '&'. A
// byte b below n sets its high bit in (b - n) &^ b, with no borrow from a
// lower byte that is not.
func htmlSafe8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs, lt, gt, amp := x^('"'*ones), x^('\\'*ones), x^('<'*ones), x^('>'*ones), x^('&'*ones)
	bad := x | (x-0x20*ones)&^x | (q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
	return bad&highs == 0
}
