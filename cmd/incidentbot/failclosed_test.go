package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The finding of issue 21.1, through the binary: alice's access is
// revoked (the policy file rewritten, SIGHUP) and Redis freezes (SIGSTOP)
// for 2 s while her twelve Confirms arrive over 3 s. A
// click whose read fails must be refused, not let through to a move that
// succeeds once Redis answers: no Confirm runs.
func TestRevokedRequesterRunsNothingThroughARedisPause(t *testing.T) {
	c := newCluster(t)
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE, slack:U0BOB]\n")
	r := c.start("INCIDENTBOT_POLICY=" + path)
	const clicks = 12
	var confirms []string
	for i := range clicks {
		id, answer := c.ask(r, "delete inc-1", "/resp/pause")
		if id == "" {
			t.Fatalf("confirmation %d: %s", i, answer)
		}
		confirms = append(confirms, id)
	}
	write("rules:\n  - verbs: [delete]\n    request: [slack:U0BOB]\n")
	if err := r.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the reload", func() bool {
		_, answer := c.ask(r, "delete inc-2", "/resp/probe")
		return strings.Contains(answer, "Not allowed")
	})

	c.redis.Pause()
	var wg sync.WaitGroup
	for i, id := range confirms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 250 * time.Millisecond)
			c.click(r, id, "/resp/click-pause")
		}()
	}
	// Longer than a read's timeout and retries (about 1.5 s), so some
	// reads fail outright while the move that follows them can succeed.
	time.Sleep(2 * time.Second)
	c.redis.Resume()
	wg.Wait()
	time.Sleep(2 * time.Second) // room for any run a click let through
	if n := c.deletes(); n != 0 {
		t.Fatalf("%d of %d Confirms of a revoked requester ran through a Redis pause", n, clicks)
	}
	said := strings.Join(c.posts("/resp/click-pause"), "\n")
	if !strings.Contains(said, "cannot reach its store of confirmations") && !strings.Contains(said, "Not allowed any more") {
		t.Fatalf("the refused clicks said:\n%s", said)
	}
}
