package console

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// maxLine is the longest line the console reads: a longer one is refused
// and skipped, and the session goes on.
const maxLine = 1 << 20

// inputLine is one line of input, or (over > 0) the length of a line that was
// too long to read, which was skipped.
type inputLine struct {
	text string
	over int64
}

// readLines sends in's lines (without their line ending) to out until in
// ends; it returns the error that ended it, nil at EOF. A line over
// maxLine is skipped to its end and sent as its length only.
func readLines(in io.Reader, out chan<- inputLine) error {
	r := bufio.NewReaderSize(in, 64<<10)
	var buf []byte
	var over int64
	for {
		part, more, err := r.ReadLine()
		switch {
		case over > 0:
			over += int64(len(part))
		case len(buf)+len(part) > maxLine:
			over = int64(len(buf) + len(part))
			buf = buf[:0]
		default:
			buf = append(buf, part...)
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if more {
			continue
		}
		out <- inputLine{text: string(buf), over: over}
		buf, over = buf[:0], 0
	}
}

// refuseLong answers a line that was too long to read.
func (c *Console) refuseLong(n int64) {
	c.raise(NotDone)
	c.print(reply.Reply{Tone: reply.Failure, Title: fmt.Sprintf("Nothing was run: that line is %d bytes, over the 1 MiB a line may have.", n),
		Lines: []string{"Split it: end a line with a comma or a backslash to continue it on the next, or run the command in parts."}})
}

// pasteWindow is how soon after a line the next must be there to count as
// pasted with it: far quicker than anyone types, far slower than a paste.
const pasteWindow = 30 * time.Millisecond

// continues says whether a line asks for the next one: it ends with a
// comma (an ID list broken over lines) or a backslash.
func continues(line string) bool {
	return strings.HasSuffix(line, ",") || strings.HasSuffix(line, "\\")
}

// takesIDs says whether a line is a command whose last argument is a list
// of IDs (delete, unlink, unassign), which a pasted line could continue.
func takesIDs(line string) bool {
	words := strings.Fields(line)
	if len(words) > 0 && strings.EqualFold(words[0], "/incident") {
		words = words[1:]
	}
	if len(words) < 2 {
		return false
	}
	v, ok := commands.Lookup(strings.ToLower(words[0]))
	return ok && len(v.Args) > 0 && v.Args[len(v.Args)-1].Many && !strings.HasPrefix(words[len(words)-1], "--")
}

// onlyIDs says whether a line holds nothing but IDs: no verb, no console
// word, no option, and every word with a digit in it. Real IDs have digits
// (inc-1003, UUIDs, IM2026...); a word like "no", "ok" or "stop" typed
// right after a command is an answer, never an ID to add to a delete.
func onlyIDs(line string) bool {
	words := strings.Fields(strings.ReplaceAll(line, ",", " "))
	if len(words) == 0 {
		return false
	}
	if _, isVerb := commands.Lookup(strings.ToLower(words[0])); isVerb {
		return false
	}
	switch strings.ToLower(words[0]) {
	case "confirm", "cancel", "retry", "check", "exit", "quit", "/incident":
		return false
	}
	for _, w := range words {
		if !commands.LooksLikeID(w) || !strings.ContainsAny(w, "0123456789") {
			return false
		}
	}
	return true
}
