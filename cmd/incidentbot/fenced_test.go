package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A replica frozen past its run lease (a VM pause, a long stall) must
// not call the vendor again once it thaws: another replica has told the
// requester the outcome is unknown, and a responder who then retries
// would run the same deletes twice at once.
func TestFrozenReplicaSendsNoVendorCallAfterItsLeaseIsLost(t *testing.T) {
	c := newCluster(t)
	c.mu.Lock()
	c.delay = 300 * time.Millisecond
	c.mu.Unlock()
	r1, _ := c.start("INCIDENTBOT_BATCH_SIZE=1"), c.start("INCIDENTBOT_BATCH_SIZE=1")

	id, answer := c.ask(r1, "delete inc-1 inc-2 inc-3 inc-4 inc-5 inc-6 inc-7 inc-8", "/resp/fence")
	if id == "" {
		t.Fatalf("no confirmation:\n%s", answer)
	}
	c.click(r1, id, "/resp/click-fence")
	c.waitFor("the first vendor call", func() bool { return c.deletes() >= 1 })
	if err := r1.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	c.waitFor("replica 2's outcome-unknown report", func() bool {
		return strings.Contains(strings.Join(c.posts("/resp/fence"), ""), "Outcome unknown: delete incidents (8)")
	})
	told := c.deletes()
	if err := r1.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var final string
	c.waitFor("replica 1's own result", func() bool {
		for _, r := range c.slack.Requests() {
			if b := string(r.Body); strings.Contains(b, "this is its actual result") {
				final = b
				return true
			}
		}
		return false
	})
	time.Sleep(time.Second) // room for any call it would still send
	if n := c.deletes(); n != told {
		t.Fatalf("after its lease was lost and the requester told, the thawed replica made %d more vendor calls", n-told)
	}
	if !strings.Contains(final, "Not attempted ("+strconv.Itoa(8-told)+")") || !strings.Contains(final, "deleted "+strconv.Itoa(told)+" of 8") {
		t.Fatalf("replica 1's result does not say what was done (%d) and what was not attempted:\n%s", told, final)
	}
	t.Logf("vendor calls before the freeze was reported: %d of 8; after the thaw: 0", told)
}
