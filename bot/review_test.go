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
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// These tests come from a hostile review: each one failed before its fix.

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

// A connection COC refused proves nothing reached it: the create may be
// retried at once, and the responder reads that nothing changed.
func TestRefusedConnectionLetsTheCreateBeRetried(t *testing.T) {
	b := bot.New(commands.New(bottest.HuaweiDeps(t, "", "http://127.0.0.1:1")), bot.Options{Logger: slog.New(slog.DiscardHandler), SweepEvery: -1})
	t.Cleanup(b.Close)
	ask := func() bot.Outcome {
		return b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine})
	}
	r := ask().Work(context.Background(), nil)
	if !strings.Contains(r.Title, "nothing was sent, so nothing changed") {
		t.Fatalf("first attempt: %q %v", r.Title, r.Lines)
	}
	if again := ask(); again.Work == nil {
		t.Fatalf("a retry was blocked: %q", again.Reply.Title)
	}
}

// A create claimed by a process that died before it ran is not refused as
// "already on it" for ten minutes: the claim lasts as long as the attempt
// may.
func TestCreateClaimOfADeadProcessLapses(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	runs := pending.NewMemoryRuns(clock.Now)
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM7"}})
	})
	replica := func() *bot.Bot {
		b := bot.New(commands.New(bottest.HuaweiDeps(t, "", srv.URL)), bot.Options{Logger: slog.New(slog.DiscardHandler), Now: clock.Now,
			Runs: runs, Values: runs, SweepEvery: -1, WorkTimeout: time.Minute})
		t.Cleanup(b.Close)
		return b
	}
	dead, live := replica(), replica()
	_ = dead.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}) // killed before its Work ran
	if o := live.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}); o.Work != nil {
		t.Fatal("a repeat within the attempt's time was not recognised")
	}
	clock.Add(2*time.Minute + time.Second)
	if o := live.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: createLine}); o.Work == nil {
		t.Fatalf("after the dead attempt's time: %q", o.Reply.Title)
	}
}

// A process that is alive but lost its lease (another took it for dead
// and said "outcome unknown") says, with its real result, that this one is
// the actual result.
func TestALostLeaseIsCorrectedByTheResult(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	store, runs := pending.NewMemory(), pending.NewMemoryRuns(clock.Now)
	release := make(chan struct{})
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		vendortest.SecMasterEcho(w, r)
	})
	var mu sync.Mutex
	var told []string
	replica := func() *bot.Bot {
		b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{Logger: slog.New(slog.DiscardHandler),
			Now: clock.Now, Store: store, Runs: runs, Values: runs, SweepEvery: -1, RunLease: 300 * time.Millisecond})
		b.SetUpdater("slack", func(_ context.Context, _ string, r reply.Reply) { mu.Lock(); told = append(told, r.Title); mu.Unlock() })
		t.Cleanup(b.Close)
		return b
	}
	r1, r2 := replica(), replica()
	o := r1.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C", Text: "delete inc-1", Message: "m"})
	c := click(r1, reply.Confirm, alice, o.Token)
	done := make(chan reply.Reply)
	go func() { done <- c.Work(context.Background(), nil) }()
	for srv.Count(http.MethodDelete) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	clock.Add(time.Second) // r1's lease lapses by the store's clock
	r2.Sweep(context.Background())
	r2.Close()
	time.Sleep(300 * time.Millisecond) // r1's renewal finds the lease gone
	close(release)
	final := <-done
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.HasPrefix(told[0], "Outcome unknown") {
		t.Fatalf("replica 2 told %v", told)
	}
	if !strings.Contains(final.Title, "deleted 1 of 1") || !strings.Contains(strings.Join(final.Lines, " "), "this is its actual result") {
		t.Fatalf("replica 1's result: %q %v", final.Title, final.Lines)
	}
}
