package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
)

// panicky is a dispatcher with a bug: any command panics.
type panicky struct{ *bot.Bot }

func (panicky) Handle(context.Context, bot.Request) bot.Outcome { panic("a bug in the dispatcher") }

func TestPanicInAHandlerIsAnsweredAndTheProcessLives(t *testing.T) {
	var logs bottest.Buffer
	f := newFixtureWith(t, fixtureOptions{logs: &logs, wrap: func(b *bot.Bot) slackbot.Dispatcher { return panicky{b} }})
	status, body := f.slash(t, "U-ALICE", "help")
	if status != 200 || !strings.Contains(body, "Something went wrong on our side (ref ") {
		t.Fatalf("a panic was answered %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "a bug in the dispatcher") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs.String())
	}
	// The server still serves: a click goes through the real bot.
	if status, _ := f.click(t, "U-ALICE", "cancel:nope"); status != 200 {
		t.Fatalf("after a panic the server answered %d", status)
	}
}
