// Package ackbudget bounds the synchronous part of a chat request, the
// work done before its acknowledgement, so that the platform always gets
// an answer in time.
//
// Slack and Discord give up after 3 s, counted from their send: what the
// budget leaves is for the network both ways. Every store call on that
// path runs under the request's context, so with the store stalled (a
// paused or frozen Redis) the call fails at the budget's end and the user
// reads that the store cannot be reached, rather than the platform timing
// out with no word. The replay check gets a slice of its own, so a
// stalled check (which then serves the request, as it does with the cache
// down) leaves the rest for the store call that decides.
package ackbudget

import (
	"context"
	"net/http"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// The budgets.
const (
	Sync   = 2250 * time.Millisecond // everything before the ack
	Replay = 750 * time.Millisecond  // of which the replay check
)

// Handler runs h with its request's context bounded by Sync.
func Handler(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), Sync)
		defer cancel()
		h(w, r.WithContext(ctx))
	}
}

// Context bounds ctx by Sync, for transports that are not HTTP handlers
// (Socket Mode, the Discord gateway).
func Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, Sync)
}

// Once wraps a replay cache so that each check is bounded by Replay (nil
// stays nil).
func Once(o pending.OnceSet) pending.OnceSet {
	if o == nil {
		return nil
	}
	return boundedOnce{o}
}

type boundedOnce struct{ pending.OnceSet }

func (o boundedOnce) SeenOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, Replay)
	defer cancel()
	return o.OnceSet.SeenOnce(ctx, key, ttl)
}
