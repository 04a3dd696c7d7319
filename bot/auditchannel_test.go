package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// auditSink records the audit channel's messages.
type auditSink struct {
	mu   sync.Mutex
	msgs []reply.Reply
	fail bool
	done chan struct{}
}

func TestAuditChannelGetsConfirmedActionsAndTickets(t *testing.T) {
	f := newOpsFixture(t)
	sink := &auditSink{done: make(chan struct{}, 4)}
	f.bot.SetAuditChannel("slack", sink.post)
	ctx := context.Background()

	o := f.handle(t, "delete inc-1 inc-2")
	click(f.bot, reply.Confirm, alice, o.Token).Work(ctx, nil)
	msg := sink.wait(t)
	text := msg.Title + "\n" + strings.Join(msg.Lines, "\n") + "\n" + msg.Footer
	for _, want := range []string{"Audit: delete incidents (2) in SecMaster", "Asked by alice (slack `U-ALICE`) in `C-WAR`.",
		"Confirmed by alice (slack `U-ALICE`).", "Outcome: 2 done, 0 refused, 0 unknown, 0 not attempted (of 2).", "Request IDs: req-test-1."} {
		if !strings.Contains(text, want) {
			t.Errorf("audit message lacks %q:\n%s", want, text)
		}
	}

	f.handle(t, `create --title "DB down" --description "since 02:10" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`).Work(ctx, nil)
	if msg := sink.wait(t); !strings.Contains(msg.Title, "create incident ticket") || !strings.Contains(strings.Join(msg.Lines, "\n"), "IM202611220042") {
		t.Errorf("ticket audit message: %+v", msg)
	}

	// A failing post is counted and does not hold up the action.
	sink.fail = true
	o = f.handle(t, "delete inc-3")
	if r := click(f.bot, reply.Confirm, alice, o.Token).Work(ctx, nil); r.Title != "SecMaster: deleted 1 of 1" {
		t.Fatalf("result = %q", r.Title)
	}
	sink.wait(t)
	f.bot.Close() // waits for the post's bookkeeping
	body := scrape(t, f.metrics)
	for _, want := range []string{`incidentbot_audit_posts_total{platform="slack",result="posted"} 2`, `incidentbot_audit_posts_total{platform="slack",result="failed"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func (s *auditSink) post(_ context.Context, r reply.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	defer func() { s.done <- struct{}{} }()
	if s.fail {
		return errors.New("channel_not_found")
	}
	return nil
}

func (s *auditSink) wait(t *testing.T) reply.Reply {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("no audit message")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[len(s.msgs)-1]
}
