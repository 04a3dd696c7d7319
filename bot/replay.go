package bot

import (
	"context"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// Replays. An adapter that verified a request passes its replay key on
// (Request.Replay, Click.Replay) rather than checking it: the bot checks
// it with the first store operation the request needs, in the same round
// trip on Redis (pending.ReplayChecker), or alone, before anything is
// done or audited, when the request needs none. Either way a replay does
// nothing and is answered with Replayed.

// Replayed is the outcome of a replayed request or click.
func Replayed() Outcome { return Outcome{Replay: true} }

// replayed checks the replay key *rp holds, if any, in the replay cache,
// and clears it: a request is checked once. A cache that cannot answer
// lets the request through, as the adapters always did (its store
// operations then fail on their own if the store is down).
func (b *Bot) replayed(ctx context.Context, rp **pending.Replay) bool {
	if *rp == nil {
		return false
	}
	r := **rp
	*rp = nil
	first, err := b.seen.SeenOnce(ctx, r.Key, r.TTL)
	if err != nil {
		b.log.Error("replay cache unavailable; serving the request", "error", err)
		return false
	}
	return !first
}

// put is Put, with the replay check rp (if any) in the same operation
// where the store can: pending.ErrReplay for a replay.
func (b *Bot) put(ctx context.Context, rec pending.Record, rp *pending.Replay) error {
	if rc, ok := b.store.(pending.ReplayChecker); ok && rp != nil {
		return rc.PutChecked(ctx, rec, b.limits, *rp)
	}
	if b.replayed(ctx, &rp) {
		return pending.ErrReplay
	}
	return b.store.Put(ctx, rec, b.limits)
}

// get is Get, with the replay check *rp (if any) in the same operation
// where the store can; it clears *rp.
func (b *Bot) get(ctx context.Context, token string, rp **pending.Replay) (pending.Record, error) {
	if rc, ok := b.store.(pending.ReplayChecker); ok && *rp != nil {
		r := **rp
		*rp = nil
		return rc.GetChecked(ctx, token, r)
	}
	if b.replayed(ctx, rp) {
		return pending.Record{}, pending.ErrReplay
	}
	return b.store.Get(ctx, token)
}
