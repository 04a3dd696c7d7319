package slack_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// An approval that no second person gives in time: the requester reads
// that their confirmation waited for a second approval that did not come
// (not that they did not confirm), and the public "Approval needed"
// message, posted as a message of the bot's own, is updated with its
// buttons removed.
func TestApprovalThatExpiresSaysSoAndLosesItsButtons(t *testing.T) {
	pf := newPolicyFixture(t)
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2 inc-3")
	pf.click(t, "U0ALICE", actionIDs(body)["confirm"])
	pf.adapter.Wait()
	if actionIDs(pf.approvalRequest(t))["approve"] == "" {
		t.Fatal("the approval request has no Approve button")
	}
	pf.clock.Add(6 * time.Minute)
	pf.bot.Sweep(context.Background())

	var update url.Values
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && (update == nil || len(pf.posted(t, "/response/U0ALICE")) == 0) {
		time.Sleep(10 * time.Millisecond)
		for _, r := range pf.slackAPI.Requests() {
			if r.Path == "/api/chat.update" {
				update, _ = url.ParseQuery(string(r.Body))
			}
		}
	}
	mine := pf.lastPost(t, "/response/U0ALICE")
	if !strings.Contains(mine, "Expired: delete incidents (3) was not approved") || !strings.Contains(mine, "waited for a second approval that did not come") ||
		strings.Contains(mine, "Not confirmed within") {
		t.Fatalf("the requester reads:\n%s", mine)
	}
	if update == nil {
		t.Fatal("the public approval request was never updated (chat.update)")
	}
	if update.Get("channel") != "C0WAR" || update.Get("ts") != "1700000000.000100" || !strings.Contains(update.Get("text"), "Approval expired: delete incidents (3)") ||
		strings.Contains(update.Get("blocks"), "approve:") || strings.Contains(update.Get("blocks"), "cancel:") {
		t.Fatalf("the approval request was updated to:\n%v", update)
	}
	if pf.deletes() != 0 {
		t.Fatal("vendor called")
	}
}
