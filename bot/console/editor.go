package console

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/chzyer/readline"
)

// Editor reads lines from a terminal with line editing, history (this
// session's, kept in memory: a typed description may be sensitive) and Tab
// completion. Use it only when standard input is a terminal: piped input
// is read as it always was.
type Editor struct {
	rl *readline.Instance
}

// NewEditor starts the line editor on in and out with prompt; Tab asks c.
func NewEditor(in io.ReadCloser, out io.Writer, prompt string, c Completer) (*Editor, error) {
	rl, err := readline.NewEx(&readline.Config{Prompt: prompt, Stdin: in, Stdout: out, HistoryLimit: 500,
		HistorySearchFold: true, AutoComplete: tab{c}, InterruptPrompt: "^C", EOFPrompt: "exit"})
	if err != nil {
		return nil, err
	}
	return &Editor{rl: rl}, nil
}

// Stdout is where the console writes while the editor runs: it keeps the
// line being typed below what is printed (an expiry notice, a result).
func (e *Editor) Stdout() io.Writer { return e.rl.Stdout() }

// Close restores the terminal.
func (e *Editor) Close() error { return e.rl.Close() }

// UseEditor makes the console read its lines from e instead of its reader.
// The console's own prompt is not printed: the editor shows it.
func (c *Console) UseEditor(e *Editor) {
	c.editor = e
	c.prompt = ""
}

// feed sends the lines typed until Ctrl-D, "exit" or Ctrl-C on an empty
// line (as Ctrl-C stopped the bot before the editor), then the error, if
// any, and closes lines.
func (e *Editor) feed(lines chan<- inputLine, errc chan<- error) {
	defer close(lines)
	for {
		l, err := e.rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			if l == "" {
				errc <- nil
				return
			}
			continue
		case errors.Is(err, io.EOF):
			errc <- nil
			return
		case err != nil:
			errc <- err
			return
		}
		lines <- inputLine{text: l}
	}
}

// tab adapts a Completer to the editor's Tab key. Completion waits for a
// vendor's list at most as long as the picker does.
type tab struct{ c Completer }

func (t tab) Do(line []rune, pos int) ([][]rune, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	suffixes, n := t.c.Complete(ctx, string(line[:pos]))
	out := make([][]rune, len(suffixes))
	for i, s := range suffixes {
		out[i] = []rune(s)
	}
	return out, n
}
