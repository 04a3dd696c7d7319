package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// Acting on the rest of a partial result. Its IDs are stored (in the
// shared Values, so any replica can take the press) under a fresh token,
// and the buttons carry only the token: 200 IDs fit no button. Each
// button works once: Values.Take hands its IDs to one press.
//
// Retry opens a new confirmation, through the usual gate and policy, for
// exactly the IDs a retry can help: those never sent, and those refused
// with a code that says so (throttling). Check looks the unknown ones up.
// An unknown ID is never retried blindly.

// restTTL is how long a partial result's buttons work.
const restTTL = time.Hour

// rest is what a Retry or Check button acts on.
type rest struct {
	Verb    string   `json:"verb"`
	Vendor  string   `json:"vendor"`
	Op      string   `json:"op"`
	Subject string   `json:"subject,omitempty"` // unlink's incident
	Words   []string `json:"words,omitempty"`   // Retry: the command over the IDs
	IDs     []string `json:"ids"`
}

func restKey(kind reply.Kind, token string) string { return "rest:" + string(kind) + ":" + token }

// retryable are the IDs a retry can help, in request order.
func retryable(res vendors.BatchResult) (ids []string, refused int) {
	for _, it := range res.Items {
		switch {
		case it.Outcome == vendors.NotAttempted:
			ids = append(ids, it.ID)
		case it.Outcome == vendors.Refused && it.Retryable:
			ids, refused = append(ids, it.ID), refused+1
		}
	}
	return ids, refused
}

// offerRest adds the Retry and Check buttons to a partial result. If the
// IDs cannot be stored the result is shown without them (and the log
// says why): the result matters more than the shortcut.
func (b *Bot) offerRest(ctx context.Context, a commands.Batch, res vendors.BatchResult, r reply.Reply) reply.Reply {
	retry, throttled := retryable(res)
	unknown := res.IDs(vendors.Unknown)
	if a.Summary().Objects != "" { // no reader for these (Coralogix Cases): nothing to check them with
		unknown = nil
	}
	if len(retry) == 0 && len(unknown) == 0 {
		return r
	}
	token, err := newToken(b.epoch)
	if err != nil {
		b.log.Error("no token for a partial result's buttons", "error", err)
		return r
	}
	s := a.Summary()
	ctx = context.WithoutCancel(ctx)
	put := func(kind reply.Kind, rs rest) bool {
		rs.Verb, rs.Vendor, rs.Op, rs.Subject = s.Verb, s.Vendor, s.Operation, a.Subject()
		v, _ := json.Marshal(rs)
		if err := b.values.Set(ctx, restKey(kind, token), string(v), restTTL); err != nil {
			b.log.Warn("storing a partial result's IDs failed; it is shown without its button", "error", err, "button", string(kind))
			return false
		}
		return true
	}
	if len(retry) > 0 && !put(reply.Retry, rest{Words: a.WordsFor(retry), IDs: retry}) {
		retry, throttled = nil, 0
	}
	if len(unknown) > 0 && !put(reply.Check, rest{IDs: unknown}) {
		unknown = nil
	}
	if len(retry) == 0 && len(unknown) == 0 {
		return r
	}
	r.Buttons = append(r.Buttons, restButtons(token, len(retry), throttled, len(unknown))...)
	r.Lines = append(r.Lines, restLine(len(retry), len(unknown)))
	return r
}

// takeRest takes a button's stored IDs: once. ok is false when it was
// already taken or has expired.
func (b *Bot) takeRest(ctx context.Context, c Click) (rs rest, ok bool, err error) {
	v, ok, err := b.values.Take(ctx, restKey(c.Press.Kind, c.Press.Value))
	if err != nil || !ok {
		return rest{}, false, err
	}
	if err := json.Unmarshal([]byte(v), &rs); err != nil {
		return rest{}, false, fmt.Errorf("a stored partial result does not read back: %w", err)
	}
	return rs, true, nil
}

// putBack returns a button's IDs for another press, when this one was
// refused before anything ran (the presser may not do it).
func (b *Bot) putBack(ctx context.Context, c Click, rs rest) {
	v, _ := json.Marshal(rs)
	if err := b.values.Set(context.WithoutCancel(ctx), restKey(c.Press.Kind, c.Press.Value), string(v), restTTL); err != nil {
		b.log.Warn("returning a partial result's IDs failed; its button no longer works", "error", err)
	}
}

// pressRest answers Retry and Check. Both answer the presser privately:
// the result's message, with the other button, stays as it is.
func (b *Bot) pressRest(ctx context.Context, c Click) Outcome {
	rs, ok, err := b.takeRest(ctx, c)
	if err != nil {
		return Note(b.errorReply(ctx, b.storeError(ctx, err, "button", string(c.Press.Kind)), string(c.Press.Kind)))
	}
	if !ok {
		b.emit(ctx, Event{Step: StepRequest, Verdict: Ignored, Reason: AlreadySettled, Who: c.Caller, Channel: c.Channel,
			Summary: commands.Summary{Verb: string(c.Press.Kind)}, Verb: metrics.Unknown,
			Attrs: []slog.Attr{slog.String("token_ref", tokenRef(c.Press.Value))}})
		return Note(restGone(c.Press.Kind))
	}
	if c.Press.Kind == reply.Retry {
		// A new request, as if typed: parsed, asked of the policy, stored
		// for a new confirmation by the presser.
		o := b.handle(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles, Words: rs.Words})
		if o.Token == "" {
			b.putBack(ctx, c, rs)
		}
		o.Notice = true
		return o
	}
	return b.check(ctx, c, rs)
}

// check looks up IDs whose outcome was unknown and says what each is now.
func (b *Bot) check(ctx context.Context, c Click, rs rest) Outcome {
	s := commands.Summary{Verb: rs.Verb, Vendor: rs.Vendor, Operation: rs.Op, IDs: rs.IDs}
	ev := Event{Step: StepRequest, Who: c.Caller, Channel: c.Channel, Summary: s,
		Attrs: []slog.Attr{slog.String("check", "unknown outcomes"), slog.String("token_ref", tokenRef(c.Press.Value))}}
	if _, err := b.decide(ctx, Request{Caller: c.Caller, Channel: c.Channel, Roles: c.Roles}, s); err != nil {
		b.putBack(ctx, c, rs)
		return Note(b.refused(ctx, ev, err, pending.Record{}).Reply)
	}
	if b.lookup == nil {
		b.putBack(ctx, c, rs)
		return Note(noLookup)
	}
	o := Working(checking(rs.Vendor, len(rs.IDs)), func(ctx context.Context, _ Progress) reply.Reply {
		b.lookup.Invalidate(ctx, rs.IDs...) // a cached "found" from before the action would lie
		groups, note := b.lookUp(ctx, rs)
		ev.Verdict = Answered
		for _, g := range groups {
			ids := make([]string, len(g.items))
			for i, it := range g.items {
				ids[i] = it.ID
			}
			ev.Attrs = append(ev.Attrs, slog.Any(g.key, ids))
		}
		b.emit(ctx, ev)
		return checked(s, groups, note)
	}, nil)
	o.Notice = true
	return o
}

// lookUp asks the vendor what became of each ID, in the words of the
// operation: a deleted incident is gone, an unassigned one has no
// assignee, an unlinked alert is no longer in the incident's list.
func (b *Bot) lookUp(ctx context.Context, rs rest) ([]checkGroup, string) {
	var (
		still, gone, failed checkGroup
		note                string
	)
	add := func(g *checkGroup, id, why string) { g.items = append(g.items, reply.Item{ID: id, Note: why}) }
	switch rs.Verb {
	case "unlink":
		still.label, gone.label = "Still linked", "No longer linked"
		l := b.lookup.LinkedAlerts(ctx, rs.Subject)
		for _, id := range rs.IDs {
			switch {
			case l.Presence != vendors.Found:
				add(&failed, id, lookupNote(l.Err))
			case slices.ContainsFunc(l.Item, func(a vendors.Alert) bool { return a.ID == id }):
				add(&still, id, "")
			default:
				add(&gone, id, "")
			}
		}
	case "unassign":
		still.label, gone.label = "Still assigned", "Unassigned"
		for _, l := range b.lookup.CoralogixIncidents(ctx, rs.IDs) {
			switch {
			case l.Presence == vendors.NotFound:
				add(&failed, l.ID, "not found")
			case l.Presence != vendors.Found:
				add(&failed, l.ID, lookupNote(l.Err))
			case len(l.Item.Owners) > 0:
				add(&still, l.ID, fmt.Sprint(l.Item.Owners))
			default:
				add(&gone, l.ID, "")
			}
		}
	default: // delete
		still.label, gone.label = "Still exist (not deleted)", "Gone (deleted)"
		note = "An incident that still exists was not deleted: it is safe to delete again."
		for _, l := range b.lookup.SecMasterIncidents(ctx, rs.IDs) {
			switch l.Presence {
			case vendors.Found:
				add(&still, l.ID, "")
			case vendors.NotFound:
				add(&gone, l.ID, "")
			default:
				add(&failed, l.ID, lookupNote(l.Err))
			}
		}
	}
	failed.label = "Could not look up"
	still.key, gone.key, failed.key = "still_ids", "gone_ids", "could_not_look_up_ids"
	return []checkGroup{still, gone, failed}, note
}
