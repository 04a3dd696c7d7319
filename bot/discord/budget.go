package discord

import (
	"context"
	"net/http"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// What the synchronous part of a request (everything before its ack) may
// take. Discord gives up on an interaction response after 3 s, counted from its send: what
// the budget leaves is for the network both ways. Every store call on
// that path runs under the request's context, so with the store stalled
// (a paused or frozen Redis) the call fails at the budget's end and the
// user reads that the store cannot be reached, rather than Slack timing
// out with no word. The replay check gets a slice of its own, so a
// stalled check (which then serves the request, as it does with the
// cache down) leaves the rest for the store call that decides.
const (
	syncBudget   = 2250 * time.Millisecond
	replayBudget = 750 * time.Millisecond
)

// withinBudget runs h with its request's context bounded by syncBudget.
func withinBudget(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), syncBudget)
		defer cancel()
		h(w, r.WithContext(ctx))
	}
}

// boundedOnce is the replay cache with each check bounded by replayBudget.
type boundedOnce struct{ pending.OnceSet }

func (o boundedOnce) SeenOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, replayBudget)
	defer cancel()
	return o.OnceSet.SeenOnce(ctx, key, ttl)
}

// bounded wraps a replay cache (nil stays nil).
func bounded(o pending.OnceSet) pending.OnceSet {
	if o == nil {
		return nil
	}
	return boundedOnce{o}
}
