package slack

import (
	"context"
	"errors"

	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// Work after an ack runs in classes that cannot starve each other: a
// confirmed action on the Background pool (a.work), which nothing else
// uses; private notes to refused clicks on a lane of their own (a.notes:
// the latest per clicker, dropped when too many wait); other answers on
// another (a.replies).

// reply queues the delivery of an answer that is not an action's result;
// one that cannot even be queued is recorded as undelivered.
func (a *Adapter) reply(t target, r reply.Reply, deliver func(ctx context.Context)) {
	if !a.replies.Offer(deliver) {
		a.bot.Undelivered(context.Background(), t.who, t.channel, r, errors.New("too many replies waiting to be delivered"))
	}
}

// recoverJob logs a panic in a job's own goroutine; the process lives.
func (a *Adapter) recoverJob() {
	if p := work.Recovered(recover()); p != nil {
		a.log.Error("recovered from a panic in background work", "ref", work.NewRef(), "error", p, "stack", p.Stack)
	}
}
