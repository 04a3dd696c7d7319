package slack_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// flakyStore is the memory store whose reads fail while failReads is
// above zero (each failed read counts it down), as a store does during a
// network blip; its moves keep working.
type flakyStore struct {
	pending.Store
	mu        sync.Mutex
	failReads int
}

func (s *flakyStore) Get(ctx context.Context, token string) (pending.Record, error) {
	s.mu.Lock()
	fail := s.failReads > 0
	if fail {
		s.failReads--
	}
	s.mu.Unlock()
	if fail {
		return pending.Record{}, errors.New("redis: reading a confirmation: i/o timeout")
	}
	return s.Store.Get(ctx, token)
}

// revoke rewrites the policy without alice and reloads it, as SIGHUP does.
func (pf *policyFixture) revoke(t *testing.T, policyText string) {
	t.Helper()
	if err := os.WriteFile(pf.path, []byte(policyText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := pf.holder.Reload(pf.path); err != nil {
		t.Fatal(err)
	}
}

var withoutAlice = strings.Replace(testPolicy, "request: [slack:U0ALICE, slack:group:S0RESPONDERS]", "request: [slack:group:S0RESPONDERS]", 1)

func TestConfirmIsRefusedWhenTheRecheckCannotReadTheStore(t *testing.T) {
	store := &flakyStore{Store: pending.NewMemory()}
	pf := newPolicyFixture(t, func(_ *fixture, o *bot.Options) { o.Store = store })
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2")
	confirm := actionIDs(body)["confirm"]
	if confirm == "" {
		t.Fatalf("no confirmation:\n%s", body)
	}
	pf.revoke(t, withoutAlice)

	// The read that the recheck needs fails: the click is refused, and
	// the later move (which would succeed) is never made.
	store.mu.Lock()
	store.failReads = 1
	store.mu.Unlock()
	pf.click(t, "U0ALICE", confirm)
	pf.adapter.Wait()
	if pf.deletes() != 0 {
		t.Fatal("a revoked requester's Confirm ran while the store could not be read")
	}
	if got := pf.lastPost(t, "/response/click-U0ALICE"); !strings.Contains(got, "Nothing was run: the bot cannot reach its store of confirmations right now.") ||
		!strings.Contains(got, "Try again") {
		t.Fatalf("the refused click says:\n%s", got)
	}

	// The store answers again: the recheck runs and refuses.
	pf.click(t, "U0ALICE", confirm)
	pf.adapter.Wait()
	if pf.deletes() != 0 {
		t.Fatal("a revoked requester's Confirm ran once the store answered")
	}
	if got := pf.lastPost(t, "/response/click-U0ALICE"); !strings.Contains(got, "Not allowed any more: nothing was run.") {
		t.Fatalf("the click after the blip says:\n%s", got)
	}
}

func TestRevokedRequesterRunsNothingWhileRedisIsPaused(t *testing.T) {
	if testing.Short() {
		t.Skip("pauses a real redis-server")
	}
	srv := redistest.Start(t)
	client, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	store := redisstore.New(client, "failclosed")
	pf := newPolicyFixture(t, func(_ *fixture, o *bot.Options) { o.Store, o.Runs, o.Values = store, store, store })

	const clicks = 12
	var confirms []string
	for range clicks {
		body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2")
		id := actionIDs(body)["confirm"]
		if id == "" {
			t.Fatalf("no confirmation:\n%s", body)
		}
		confirms = append(confirms, id)
	}
	pf.revoke(t, withoutAlice)

	// Redis freezes; alice's clicks arrive over the next second and a
	// half, and Redis thaws in the middle of them.
	srv.Pause()
	var wg sync.WaitGroup
	for i, id := range confirms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 120 * time.Millisecond)
			pf.click(t, "U0ALICE", id)
		}()
	}
	time.Sleep(700 * time.Millisecond)
	srv.Resume()
	wg.Wait()
	pf.adapter.Wait()
	if n := pf.deletes(); n != 0 {
		t.Fatalf("%d of %d Confirms of a revoked requester ran during a Redis pause", n, clicks)
	}
}

func TestApproverRemovedByAReloadCannotApprove(t *testing.T) {
	pf := newPolicyFixture(t)
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2 inc-3")
	pf.click(t, "U0ALICE", actionIDs(body)["confirm"])
	pf.adapter.Wait()
	approve := actionIDs(pf.approvalRequest(t))["approve"]
	if approve == "" {
		t.Fatal("no approval was asked for")
	}
	// The approvers become erin alone: bob, in the group the request
	// named, is no longer one.
	pf.revoke(t, strings.Replace(testPolicy, "approve: [slack:group:S0SECOPS]", "approve: [slack:U0ERIN]", 1))

	pf.click(t, "U0BOB", approve)
	pf.adapter.Wait()
	if pf.deletes() != 0 {
		t.Fatal("an approver removed from the policy approved, and it ran")
	}
	if got := pf.lastPost(t, "/response/click-U0BOB"); !strings.Contains(got, "You may not approve this.") || !strings.Contains(got, "slack:U0ERIN") {
		t.Fatalf("the removed approver reads:\n%s", got)
	}
	pf.click(t, "U0ERIN", approve)
	pf.adapter.Wait()
	if pf.deletes() != 1 {
		t.Fatalf("today's approver's Approve made %d vendor calls, want 1", pf.deletes())
	}
}

// brokenRuns is the memory Runs whose Start fails, as a store that is
// down when the action is about to start.
type brokenRuns struct{ *pending.MemoryRuns }

func (brokenRuns) Start(context.Context, pending.Record, time.Duration) error {
	return errors.New("redis: recording a run: connection refused")
}

func TestActionWhoseRunCannotBeRecordedDoesNotStart(t *testing.T) {
	f := newFixtureTTL(t, 5*time.Minute, func(_ *fixture, o *bot.Options) { o.Runs = brokenRuns{pending.NewMemoryRuns(nil)} })
	confirm, _ := f.confirmation(t, "U1")
	f.click(t, "U1", confirm)
	f.adapter.Wait()
	if f.deletes() != 0 {
		t.Fatalf("an action without a run record made %d vendor calls", f.deletes())
	}
	got := f.lastPost(t, "/response/click-U1")
	if !strings.Contains(got, "Nothing was run: delete incidents (2)") || !strings.Contains(got, "nothing was sent to SecMaster") {
		t.Fatalf("the requester reads:\n%s", got)
	}
}
