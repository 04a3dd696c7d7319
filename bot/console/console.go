// Package console is the chat adapter for a terminal: it reads commands from
// standard input and writes replies to standard output, through the same
// dispatcher as Slack and Discord. Buttons are shown as words in brackets;
// typing "confirm" (or yes, y) or "cancel" presses them when exactly one
// confirmation is waiting; with several, it lists them and asks which
// ("confirm TOKEN"). A partial result's buttons are "retry" and "check",
// the same way.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Dispatcher is what the console needs of the bot.
type Dispatcher interface {
	Handle(ctx context.Context, req bot.Request) bot.Outcome
	Press(ctx context.Context, c bot.Click) bot.Outcome
}

// Console talks to one user on a reader and a writer.
type Console struct {
	bot    Dispatcher
	in     io.Reader
	out    io.Writer
	caller commands.Caller
	prompt string

	editor *Editor // reads the lines instead of in, when set (a terminal)

	mu      sync.Mutex // guards out and what follows: expiry notices arrive from timers
	pending []waiting  // confirmations awaiting an answer, oldest first
	offers  []offer    // Retry and Check buttons of partial results
	grace   time.Duration
	shown   int    // confirmations shown so far, to name each one's message
	status  Status // the worst of the session so far (status.go)
	// atPrompt: the prompt is the last thing written, so what ends the
	// session starts on a new line.
	atPrompt bool
	// closed: the session is over (End); the stop's notices are not shown,
	// End says it all at once.
	closed bool
}

// waiting is a confirmation this console showed: its token, what it
// would do ("delete incidents (2)"), and the name of its message (for the
// Updater, when it expires).
type waiting struct {
	token, what, message string
}

// New returns a console for user on in and out. A non-empty prompt is
// printed before each line is read (for an interactive terminal).
func New(b Dispatcher, in io.Reader, out io.Writer, user, prompt string) *Console {
	return &Console{bot: b, in: in, out: out, prompt: prompt,
		caller: commands.Caller{Platform: "console", UserID: user, Name: user}}
}

// Run reads commands until EOF, "exit" or ctx is done. Each command's work
// finishes before the next line is read, so piped input runs in order and
// nothing is left in flight at EOF.
//
// A line ending in a comma or a backslash continues on the next one, and
// lines pasted together that only carry more IDs join the command above
// them (see joinPasted).
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan inputLine)
	readErr := make(chan error, 1)
	go func() {
		if c.editor != nil { // a terminal: line editing, history, Tab
			c.editor.feed(lines, readErr)
			return
		}
		readErr <- readLines(c.in, lines)
		close(lines)
	}()
	var ahead []inputLine // lines read while looking for a paste's continuation
	next := func(wait bool) (inputLine, bool, bool) {
		if len(ahead) > 0 {
			l := ahead[0]
			ahead = ahead[1:]
			return l, true, true
		}
		var timeout <-chan time.Time
		if !wait {
			timeout = time.After(pasteWindow)
		}
		select {
		case <-ctx.Done():
			return inputLine{}, false, false
		case <-timeout:
			return inputLine{}, false, true
		case l, ok := <-lines:
			return l, ok, true
		}
	}
	for {
		c.showPrompt()
		l, ok, alive := next(true)
		if !alive {
			return nil
		}
		if !ok {
			return <-readErr
		}
		if l.over > 0 {
			c.refuseLong(l.over)
			continue
		}
		line := l.text
		line = strings.TrimSpace(line)
		for continues(line) { // an explicit continuation: wait for the rest
			if c.prompt != "" {
				c.mu.Lock()
				fmt.Fprint(c.out, "       … ")
				c.atPrompt = true
				c.mu.Unlock()
			}
			more, ok, alive := next(true)
			if !alive || !ok {
				break
			}
			if more.over > 0 { // a part is missing: run none of it
				c.refuseLong(more.over)
				line = ""
				break
			}
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(more.text)
		}
		if takesIDs(line) { // a paste: the lines that came with it may be more IDs
			for {
				more, ok, _ := next(false)
				if !ok {
					break
				}
				if more.over > 0 || !onlyIDs(more.text) {
					ahead = append(ahead, more)
					break
				}
				line += " " + strings.TrimSpace(more.text)
			}
		}
		if !c.handle(ctx, line) {
			return nil
		}
	}
}

// handle runs one line; it returns false when the user asked to leave.
func (c *Console) handle(ctx context.Context, line string) bool {
	word, rest, _ := strings.Cut(line, " ")
	if strings.EqualFold(word, "/incident") { // "/incident confirm" as in chat
		word, rest, _ = strings.Cut(strings.TrimSpace(rest), " ")
	}
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "":
		return true
	case "exit", "quit":
		return false
	case "confirm", "yes", "y", "cancel":
		if strings.EqualFold(word, "cancel") && strings.EqualFold(rest, "all") {
			c.cancelAll(ctx)
			return true
		}
		kind, verb := reply.Confirm, "confirm"
		if strings.EqualFold(word, "cancel") {
			kind, verb = reply.Cancel, "cancel"
		}
		token, ok := c.choose(verb, rest)
		if !ok {
			return true
		}
		o := c.bot.Press(ctx, bot.Click{Caller: c.caller, Channel: Channel, Press: reply.Press{Kind: kind, Value: token}})
		if !o.Notice {
			c.forget(token)
		}
		c.show(ctx, o)
	case "retry", "check":
		c.pressRest(ctx, reply.Kind(strings.ToLower(word)), rest)
	default:
		c.mu.Lock()
		c.shown++
		message := fmt.Sprintf("console-%d", c.shown)
		c.mu.Unlock()
		o := c.bot.Handle(ctx, bot.Request{Caller: c.caller, Channel: Channel, Text: line, Message: message})
		if o.Token != "" {
			what := strings.TrimSuffix(strings.TrimPrefix(o.Reply.Title, "Confirm: "), "?")
			c.mu.Lock()
			c.pending = append(c.pending, waiting{token: o.Token, what: what, message: message})
			c.mu.Unlock()
		}
		// No 3-second limit here: the confirmation is shown once, with
		// its targets as the vendor sees them (bounded like the chat's).
		if o.Enrich != nil {
			o.Enrich(ctx, func(_ context.Context, r reply.Reply) { o.Reply = r })
		}
		c.show(ctx, o)
	}
	return true
}

// choose picks the confirmation a confirm or cancel is about: the token
// typed, or the only one waiting. It never guesses between several: it
// lists them and asks. ok is false when it answered instead.
func (c *Console) choose(verb, token string) (string, bool) {
	c.mu.Lock()
	list := append([]waiting(nil), c.pending...)
	c.mu.Unlock()
	if token != "" {
		for _, w := range list {
			if w.token == token {
				return token, true
			}
		}
		r := reply.Reply{Tone: reply.Warning, Title: "No confirmation " + reply.Clip(token, 40) + " is waiting: it was never issued here, or it has expired or been answered. Nothing was changed."}
		if len(list) > 0 {
			r.Lines = append([]string{"Waiting:"}, describeAll(list)...)
		}
		c.raise(NotDone)
		c.print(r)
		return "", false
	}
	switch len(list) {
	case 0:
		c.raise(NotDone)
		c.print(reply.Reply{Tone: reply.Info, Title: "Nothing is waiting for confirmation."})
		return "", false
	case 1:
		return list[0].token, true
	}
	c.raise(NotDone)
	title := fmt.Sprintf("%d confirmations are waiting: which one? Type %s TOKEN.", len(list), verb)
	if verb == "cancel" {
		title = fmt.Sprintf("%d confirmations are waiting: which one? Type cancel TOKEN, or cancel all.", len(list))
	}
	c.print(reply.Reply{Tone: reply.Info, Title: title, Lines: describeAll(list)})
	return "", false
}

func describeAll(list []waiting) []string {
	lines := make([]string, len(list))
	for i, w := range list {
		lines[i] = w.token + "  " + w.what
	}
	return lines
}

// Channel is the console's channel name in audit lines.
const Channel = "console"

// Update prints a reply that replaces an earlier one (an expired
// confirmation), and forgets that confirmation: the bot's Updater for the
// console. After End it prints nothing: End has said what became of them.
func (c *Console) Update(_ context.Context, message string, r reply.Reply) {
	c.mu.Lock()
	for i, w := range c.pending {
		if w.message == message {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			break
		}
	}
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.print(r)
	}
}

func (c *Console) show(ctx context.Context, o bot.Outcome) {
	c.print(o.Reply)
	if o.Work != nil {
		r := c.work(ctx, o)
		c.remember(r)
		c.print(r)
	}
}

func (c *Console) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.pending {
		if w.token == token {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return
		}
	}
}

func (c *Console) showPrompt() {
	if c.prompt == "" {
		return
	}
	c.mu.Lock()
	fmt.Fprint(c.out, c.prompt)
	c.atPrompt = true
	c.mu.Unlock()
}

func (c *Console) print(r reply.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.out, Render(r))
	c.atPrompt = false
}
