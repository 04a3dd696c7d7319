package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

var slackAlice = commands.Caller{Platform: "slack", UserID: "U0ALICE", Name: "alice"}

func policyHolder(t *testing.T, path, body string) *policy.Holder {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	h := policy.NewHolder(verbs, nil)
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	return h
}

// A policy reload that revokes the requester stops a confirmation she
// asked for before it; one that now asks for a second approval makes her
// Confirm wait for it.
func TestConfirmAsksThePolicyAgain(t *testing.T) {
	srv := vendortest.New(t, vendortest.SecMasterEcho)
	path := filepath.Join(t.TempDir(), "p.yaml")
	h := policyHolder(t, path, "rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n")
	b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{Logger: slog.New(slog.DiscardHandler), Access: h, SweepEvery: -1})
	t.Cleanup(b.Close)
	revoked := b.Handle(context.Background(), bot.Request{Caller: slackAlice, Channel: "C-WAR", Text: "delete inc-1 inc-2"})
	stricter := b.Handle(context.Background(), bot.Request{Caller: slackAlice, Channel: "C-WAR", Text: "delete inc-3 inc-4"})
	if revoked.Token == "" || stricter.Token == "" {
		t.Fatalf("%+v / %+v", revoked.Reply, stricter.Reply)
	}

	policyHolder(t, path, "rules:\n  - verbs: [delete]\n    request: [slack:U0BOB]\n")
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	c := click(b, reply.Confirm, slackAlice, revoked.Token)
	if c.Work != nil || !strings.Contains(c.Reply.Title, "Not allowed any more") {
		t.Fatalf("a revoked requester's Confirm: %+v", c.Reply)
	}

	policyHolder(t, path, "rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n    second_approval_over: 1\n    approve: [slack:U0BOB]\n")
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	c = click(b, reply.Confirm, slackAlice, stricter.Token)
	if c.Work != nil {
		if r := c.Work(context.Background(), nil); !strings.Contains(r.Title, "Approval needed") {
			t.Fatalf("after a reload that asks for a second approval, the Confirm gave %+v", r)
		}
	}
	if n := srv.Count(http.MethodDelete); n != 0 {
		t.Fatalf("%d deletes ran against the policy in force", n)
	}
}

// raceStore lets another click land between an Approve's read and its move,
// as two clicks on two replicas can.
type raceStore struct {
	pending.Store
	mu      sync.Mutex
	between func()
}

func (s *raceStore) Get(ctx context.Context, token string) (pending.Record, error) {
	r, err := s.Store.Get(ctx, token)
	s.mu.Lock()
	f := s.between
	s.between = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return r, err
}

// An Approve by someone not named that races the requester's own Confirm
// does not slip through the approver check.
func TestApproveRacingTheConfirmIsStillChecked(t *testing.T) {
	srv := vendortest.New(t, vendortest.SecMasterEcho)
	h := policyHolder(t, filepath.Join(t.TempDir(), "p.yaml"),
		"rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n    second_approval_over: 1\n    approve: [slack:U0BOB]\n")
	rs := &raceStore{Store: pending.NewMemory()}
	b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{Logger: slog.New(slog.DiscardHandler), Access: h, Store: rs, SweepEvery: -1})
	t.Cleanup(b.Close)
	o := b.Handle(context.Background(), bot.Request{Caller: slackAlice, Channel: "C-WAR", Text: "delete inc-1 inc-2"})
	mallory := commands.Caller{Platform: "slack", UserID: "U0MALLORY", Name: "mallory"}
	rs.mu.Lock()
	rs.between = func() { click(b, reply.Confirm, slackAlice, o.Token) }
	rs.mu.Unlock()
	if a := click(b, reply.Approve, mallory, o.Token); a.Work != nil {
		a.Work(context.Background(), nil)
	}
	if n := srv.Count(http.MethodDelete); n != 0 {
		t.Fatalf("someone not named approved: %d deletes", n)
	}
}
