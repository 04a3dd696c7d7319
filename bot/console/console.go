// Package console is the chat adapter for a terminal: it reads commands from
// standard input and writes replies to standard output, through the same
// dispatcher as Slack and Discord. Buttons are shown as words in brackets;
// typing "confirm" (or yes, y) or "cancel" presses them when exactly one
// confirmation is waiting; with several, it lists them and asks which
// ("confirm TOKEN").
package console

import (
	"bufio"
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

	mu      sync.Mutex // guards out and pending: expiry notices arrive from timers
	pending []waiting  // confirmations awaiting an answer, oldest first
}

// waiting is a confirmation this console showed: its token, and what it
// would do ("delete incidents (2)").
type waiting struct {
	token, what string
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
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			lines <- sc.Text()
		}
		readErr <- sc.Err()
		close(lines)
	}()
	var ahead []string // lines read while looking for a paste's continuation
	next := func(wait bool) (string, bool, bool) {
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
			return "", false, false
		case <-timeout:
			return "", false, true
		case l, ok := <-lines:
			return l, ok, true
		}
	}
	for {
		c.showPrompt()
		line, ok, alive := next(true)
		if !alive {
			return nil
		}
		if !ok {
			return <-readErr
		}
		line = strings.TrimSpace(line)
		for continues(line) { // an explicit continuation: wait for the rest
			if c.prompt != "" {
				c.mu.Lock()
				fmt.Fprint(c.out, "       … ")
				c.mu.Unlock()
			}
			more, ok, alive := next(true)
			if !alive || !ok {
				break
			}
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(more)
		}
		if takesIDs(line) { // a paste: the lines that came with it may be more IDs
			for {
				more, ok, _ := next(false)
				if !ok {
					break
				}
				if !onlyIDs(more) {
					ahead = append(ahead, more)
					break
				}
				line += " " + strings.TrimSpace(more)
			}
		}
		if !c.handle(ctx, line) {
			return nil
		}
	}
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
// word, no option.
func onlyIDs(line string) bool {
	words := strings.Fields(strings.ReplaceAll(line, ",", " "))
	if len(words) == 0 {
		return false
	}
	if _, isVerb := commands.Lookup(strings.ToLower(words[0])); isVerb {
		return false
	}
	switch strings.ToLower(words[0]) {
	case "confirm", "cancel", "exit", "quit", "/incident":
		return false
	}
	for _, w := range words {
		if !commands.LooksLikeID(w) {
			return false
		}
	}
	return true
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
	default:
		o := c.bot.Handle(ctx, bot.Request{Caller: c.caller, Channel: Channel, Text: line})
		if o.Token != "" {
			what := strings.TrimSuffix(strings.TrimPrefix(o.Reply.Title, "Confirm: "), "?")
			c.mu.Lock()
			c.pending = append(c.pending, waiting{token: o.Token, what: what})
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
		c.print(r)
		return "", false
	}
	switch len(list) {
	case 0:
		c.print(reply.Reply{Tone: reply.Info, Title: "Nothing is waiting for confirmation."})
		return "", false
	case 1:
		return list[0].token, true
	}
	c.print(reply.Reply{Tone: reply.Info, Title: fmt.Sprintf("%d confirmations are waiting: which one? Type %s TOKEN.", len(list), verb),
		Lines: describeAll(list)})
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
// confirmation): the bot's Updater for the console.
func (c *Console) Update(_ context.Context, _ string, r reply.Reply) { c.print(r) }

func (c *Console) show(ctx context.Context, o bot.Outcome) {
	c.print(o.Reply)
	if o.Work != nil {
		c.print(o.Work(ctx, c.print))
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
	c.mu.Unlock()
}

func (c *Console) print(r reply.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.out, Render(r))
}

// maxListed is how many items of a list the console prints before "and N more".
const maxListed = 50

var marks = map[reply.Tone]string{reply.Info: "·", reply.Success: "✓", reply.Warning: "!", reply.Failure: "✗"}

// Render formats a reply as plain text, ending with a blank line. Chat
// markup (the backticks of code spans) is left out.
func Render(r reply.Reply) string {
	r = plain(r)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", marks[r.Tone], r.Title)
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	for _, l := range r.Lists {
		fmt.Fprintf(&b, "  %s:\n", l.Label)
		b.WriteString(reply.Shorten(l.Items, maxListed, 1<<20, func(it reply.Item) string {
			if it.Note != "" {
				return "    - " + it.ID + ": " + it.Note
			}
			return "    - " + it.ID
		}))
		b.WriteString("\n")
	}
	if r.Code != "" {
		for _, l := range strings.Split(r.Code, "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	var buttons, next []string
	var token string
	for _, btn := range r.Buttons {
		switch btn.Press.Kind {
		case reply.Confirm, reply.Cancel:
			buttons = append(buttons, "["+btn.Label+"]")
			token = btn.Press.Value
		case reply.Form: // a card's next steps, as the commands that take them
			next = append(next, btn.Press.Verb+" "+btn.Press.Value)
		}
	}
	if len(buttons) > 0 {
		fmt.Fprintf(&b, "  %s  type confirm or cancel (token %s)\n", strings.Join(buttons, " "), token)
	}
	if len(next) > 0 {
		fmt.Fprintf(&b, "  Next: %s (help shows each one's options)\n", strings.Join(next, " · "))
	}
	if r.Footer != "" {
		fmt.Fprintf(&b, "  (%s)\n", r.Footer)
	}
	b.WriteString("\n")
	return b.String()
}

// plain drops chat markup from a reply's text: a terminal shows backticks
// as backticks.
func plain(r reply.Reply) reply.Reply {
	strip := strings.NewReplacer("`", "").Replace
	r.Title, r.Footer = strip(r.Title), strip(r.Footer)
	lines := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = strip(l)
	}
	r.Lines = lines
	lists := make([]reply.List, len(r.Lists))
	for i, l := range r.Lists {
		items := make([]reply.Item, len(l.Items))
		for j, it := range l.Items {
			items[j] = reply.Item{ID: it.ID, Note: strip(it.Note)}
		}
		lists[i] = reply.List{Label: strip(l.Label), Items: items}
	}
	r.Lists = lists
	return r
}
