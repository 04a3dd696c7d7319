package bot

import (
	"context"
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
)

// The look-ups: a confirmation shows its targets as the vendor sees them,
// a ticket step shows the ticket's state after it, and every write drops
// what it touched from the lookup cache. A look-up never changes what
// runs: Confirm stays bound to the IDs stored with the token.

// lookupBound is the most a confirmation's look-ups take in all, over
// the reader's own deadline per call (which its calls share when they
// run together).
const lookupBound = 3 * time.Second

// target is one ID of a confirmation as its vendor sees it.
type target struct {
	id string
	// presence is found, not found or could not look up.
	presence vendors.Presence
	note     string // the vendor's view, in its words
	err      error  // why it could not be looked up
}

// targets is what the look-ups of a confirmation learned.
type targets struct {
	vendor string
	items  []target
	// subject is an unlink's incident, as the vendor sees it ("" when
	// there is none).
	subject *target
}

// enrichment is a confirmation's Outcome.Enrich: it looks the targets up
// and shows the confirmation with them, unless the confirmation has moved
// on meanwhile. Nil when there is nothing to look up.
//
// The message must not be overwritten once a click or the expiry has
// replaced it. So the state is read, and the update shown, under the
// token's message lock, which every move (settle) holds while it moves
// and every notice (notify) waits for: a move either comes first, and
// the look-ups are not shown, or comes after they are shown, and so does
// its own message. (A click served by another replica in the same
// instant is not ordered by this lock.)
func (b *Bot) enrichment(rec pending.Record, s commands.Summary) func(context.Context, func(context.Context, reply.Reply)) {
	if b.lookup == nil || !lookable(s) {
		return nil
	}
	if !b.lookupBudget.take(time.Now()) { // decided before the ack: a flood costs nothing more
		b.log.Debug("look-up budget spent; this confirmation shows its IDs as typed", "token_ref", tokenRef(rec.Token))
		return nil
	}
	return func(ctx context.Context, show func(context.Context, reply.Reply)) {
		select { // a flood of confirmations sheds its look-ups, not the bot
		case b.enriching <- struct{}{}:
			defer func() { <-b.enriching }()
		default:
			b.log.Debug("too many look-ups in flight; this confirmation shows its IDs as typed", "token_ref", tokenRef(rec.Token))
			return
		}
		ctx = context.WithoutCancel(ctx)
		lctx, cancel := context.WithTimeout(ctx, lookupBound)
		t := b.lookTargets(lctx, s)
		cancel()
		mu := b.messageLock(rec.Token)
		mu.Lock()
		defer mu.Unlock()
		cur, err := b.store.Get(ctx, rec.Token)
		if err != nil || cur.State != pending.Pending {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, showBound)
		defer cancel()
		show(sctx, b.say.confirmationWith(rec, s, t))
	}
}

// The look-up budget: a confirmation's look-ups cost far more than its
// ack (vendor reads, a message update), so a flood of confirmations must
// not turn into a flood of reads. Past lookupRate a second (after a burst
// of lookupBurst), confirmations show their IDs as typed, as they did
// before look-ups existed.
const (
	lookupRate  = 20
	lookupBurst = 40
)

// budget is a token bucket.
type budget struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take spends a token if there is one at now.
func (b *budget) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.tokens = lookupBurst
	} else {
		b.tokens = min(lookupBurst, b.tokens+now.Sub(b.last).Seconds()*lookupRate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// maxEnriching is how many confirmations' look-ups may run at once; past
// it a confirmation keeps showing its IDs as typed.
const maxEnriching = 32

// showBound is the most an update of a confirmation's message may hold
// its lock: a click on it waits that long at most.
const showBound = 2 * time.Second

// messageLock is the lock that orders the updates of token's message.
func (b *Bot) messageLock(token string) *sync.Mutex {
	return &b.messages[maphash.String(messageSeed, token)%uint64(len(b.messages))]
}

var messageSeed = maphash.MakeSeed()

// lookable says whether the bot knows how to look s's targets up.
func lookable(s commands.Summary) bool {
	switch s.Verb {
	case "delete", "unassign":
		return len(s.IDs) > 0 && s.Objects == "" // no reader for Coralogix Cases
	case "unlink":
		a := s.Association
		return a != nil && a.DataClass == "incidents" && a.RelatedDataClass == "alerts"
	}
	return false
}

// lookTargets looks up every target of s, the calls side by side.
func (b *Bot) lookTargets(ctx context.Context, s commands.Summary) targets {
	t := targets{vendor: s.Vendor, items: make([]target, len(s.IDs))}
	for i, id := range s.IDs {
		t.items[i].id = id
	}
	switch s.Verb {
	case "delete":
		for i, l := range b.lookup.SecMasterIncidents(ctx, s.IDs) {
			t.items[i] = incidentTarget(l, false)
		}
	case "unassign":
		for i, l := range b.lookup.CoralogixIncidents(ctx, s.IDs) {
			t.items[i] = incidentTarget(l, true)
		}
	case "unlink":
		var (
			wg      sync.WaitGroup
			subject []vendors.Lookup[vendors.Incident]
			linked  vendors.Lookup[[]vendors.Alert]
			alerts  []vendors.Lookup[vendors.Alert]
		)
		wg.Add(3)
		go func() { defer wg.Done(); subject = b.lookup.SecMasterIncidents(ctx, []string{s.Subject}) }()
		go func() { defer wg.Done(); linked = b.lookup.LinkedAlerts(ctx, s.Subject) }()
		go func() { defer wg.Done(); alerts = b.lookup.Alerts(ctx, s.IDs) }()
		wg.Wait()
		st := incidentTarget(subject[0], false)
		t.subject = &st
		links := map[string]bool{}
		for _, al := range linked.Item {
			links[al.ID] = true
		}
		for i, l := range alerts {
			t.items[i] = alertTarget(l, s.Subject, linked, links)
		}
	}
	return t
}

func incidentTarget(l vendors.Lookup[vendors.Incident], assignees bool) target {
	t := target{id: l.ID, presence: l.Presence, err: l.Err}
	if l.Presence == vendors.Found {
		t.note = commands.IncidentNote(l.Item)
		if assignees {
			t.note = assignedNote(l.Item)
		}
	}
	return t
}

// assignedNote is a Coralogix incident with who is assigned now: what an
// unassign removes.
func assignedNote(inc vendors.Incident) string {
	who := "assigned to nobody"
	if len(inc.Owners) > 0 {
		who = "assigned to " + commands.Clean(strings.Join(inc.Owners, ", "), 120)
	}
	inc.Owners = nil
	note := commands.IncidentNote(inc)
	if i := strings.LastIndex(note, " · "); i >= 0 { // drop "no owner": the assignees say it
		note = note[:i]
	}
	return note + " · " + who
}

func alertTarget(l vendors.Lookup[vendors.Alert], incident string, linked vendors.Lookup[[]vendors.Alert], links map[string]bool) target {
	t := target{id: l.ID, presence: l.Presence, err: l.Err}
	if l.Presence != vendors.Found {
		return t
	}
	note := commands.AlertNote(l.Item)
	switch {
	case linked.Presence != vendors.Found:
		note = "linked to " + incident + "? could not check: " + vendors.LookupReason(linked.Err) + " · " + note
	case links[l.ID]:
		note = "linked to " + incident + " · " + note
	default:
		note = "NOT linked to " + incident + " (nothing to unlink) · " + note
	}
	t.note = note
	return t
}

// touched are the IDs a write may have changed: its IDs and its subject
// (an unlink's incident, a ticket step's ticket, a created ticket).
func touched(s commands.Summary, object string) []string {
	ids := append([]string(nil), s.IDs...)
	for _, id := range []string{s.Subject, object} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// afterRun drops what a write touched from the lookup cache, whatever
// came of it, and for a COC ticket adds the ticket's state as COC now
// reports it to the result.
func (b *Bot) afterRun(ctx context.Context, a commands.Action, res ran, r reply.Reply) reply.Reply {
	s := a.Summary()
	if b.lookup == nil || s.Verb == "show" || s.Verb == "list" || s.Vendor == "" {
		return r
	}
	ids := touched(s, res.Object)
	if len(ids) == 0 {
		return r
	}
	ctx = context.WithoutCancel(ctx)
	b.lookup.Invalidate(ctx, ids...)
	if s.Vendor != vendors.COC {
		return r
	}
	ticket := s.Subject
	if ticket == "" {
		ticket = res.Object
	}
	if ticket == "" {
		return r
	}
	l := b.lookup.Ticket(ctx, ticket)
	switch l.Presence {
	case vendors.Found:
		r.Lines = append(r.Lines, commands.TicketCard(l.Item))
	case vendors.NotFound:
		r.Lines = append(r.Lines, "COC says it has no ticket "+reply.CodeSpan(ticket)+".")
	default:
		r.Lines = append(r.Lines, "Could not look up the ticket's state in COC: "+vendors.LookupReason(l.Err)+".")
	}
	return r
}
