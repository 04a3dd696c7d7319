package main

import (
	"bytes"
	"context"
	"io"
	"runtime/debug"
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// On Redis the bot keeps no confirmations in its heap, so it lets the
// heap grow further between collections, unless the operator chose GOGC;
// in memory it keeps Go's default.
func TestOnRedisTheCollectorRunsLessOftenUnlessGOGCIsSet(t *testing.T) {
	srv := redistest.Start(t)
	t.Cleanup(func() { debug.SetGCPercent(100) })
	for _, tc := range []struct {
		name string
		vars map[string]string
		want int
	}{
		{"in memory", map[string]string{}, 100},
		{"on Redis", map[string]string{"INCIDENTBOT_REDIS_URL": srv.URL()}, sharedStateGCPercent},
		{"on Redis with GOGC set", map[string]string{"INCIDENTBOT_REDIS_URL": srv.URL(), "GOGC": "100"}, 100},
	} {
		debug.SetGCPercent(100)
		var during int
		// The bot's terminal session reads its input while it runs: the
		// target is read then, from the input's reader.
		input := &readGCPercent{text: "help\n", got: &during}
		if code, stderr := runBotReading(t, tc.vars, input); code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, stderr)
		}
		if during != tc.want {
			t.Errorf("%s: the collector's target while the bot ran was %d, want %d", tc.name, during, tc.want)
		}
		if after := debug.SetGCPercent(100); after != 100 {
			t.Errorf("%s: the target after the bot stopped is %d, want the previous 100 back", tc.name, after)
		}
	}
}

// readGCPercent is the bot's input: on the first read it records the
// collector's target, then gives its text.
type readGCPercent struct {
	text string
	got  *int
	read bool
}

func (r *readGCPercent) Read(p []byte) (int, error) {
	if !r.read {
		r.read = true
		*r.got = debug.SetGCPercent(-1)
		debug.SetGCPercent(*r.got)
	}
	if r.text == "" {
		return 0, io.EOF
	}
	n := copy(p, r.text)
	r.text = r.text[n:]
	return n, nil
}

func runBotReading(t *testing.T, vars map[string]string, input io.Reader) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), nil, env(vars), input, &out, &errOut)
	return code, errOut.String()
}
