package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM while an action runs on Redis with another replica up: the
// stopping replica tells the requester the outcome is unknown when its
// shutdown budget runs out; the other replica must not tell them again
// when the dead replica's run lease lapses.
func TestStoppedReplicaMidActionIsReportedOnce(t *testing.T) {
	t.Setenv("INCIDENTBOT_SHUTDOWN_TIMEOUT", "1s")
	c := newCluster(t)
	r1, r2 := c.start(), c.start()
	c.mu.Lock()
	c.block = make(chan struct{})
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		close(c.block)
		c.block = nil
		c.mu.Unlock()
	}()
	id, _ := c.ask(r1, "delete inc-1 inc-2", "/resp/term")
	c.click(r1, id, "/resp/click-term")
	c.waitFor("the vendor call", func() bool { return c.deletes() == 1 })
	r1.kill(syscall.SIGTERM)
	select {
	case <-r1.done:
	default:
		t.Fatalf("r1 did not stop:\n%s", r1.logs)
	}
	unknown := func() int {
		n := 0
		for _, p := range c.posts("/resp/term") {
			if strings.Contains(p, "Outcome unknown") || strings.Contains(p, "outcome is unknown") {
				n++
			}
		}
		return n
	}
	c.waitFor("the outcome-unknown report", func() bool { return unknown() >= 1 })
	time.Sleep(4 * time.Second) // the lease (2 s) lapses; r2 sweeps
	if n := unknown(); n != 1 {
		t.Fatalf("the requester was told %d times: %q\nr1:\n%s", n, c.posts("/resp/term"), r1.logs)
	}
	_ = r2
}
