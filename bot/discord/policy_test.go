package discord_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/policy"
)

// Discord roles come from the interaction's member.roles: a member with the
// named role may delete, one without it is refused and nothing runs.
func TestPolicyByDiscordRole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(path, []byte("rules:\n  - verbs: [delete]\n    request: [discord:role:5566]\n"), 0o600)
	holder := policy.NewHolder([]string{"delete", "help", "whoami"}, nil)
	if err := holder.Reload(path); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *bot.Options) { o.Access = holder })

	withRoles := func(i map[string]any, roles ...string) map[string]any {
		i["member"].(map[string]any)["roles"] = roles
		return i
	}
	_, resp := f.send(t, withRoles(slash("d1", "U-RESPONDER", "delete", map[string]any{"ids": "inc-1"}), "1111", "5566"), nil)
	if len(buttons(resp["data"].(map[string]any))) != 2 {
		raw, _ := json.Marshal(resp)
		t.Fatalf("a member with the role got no confirmation: %s", raw)
	}
	_, resp = f.send(t, withRoles(slash("d2", "U-OTHER", "delete", map[string]any{"ids": "inc-1"}), "1111"), nil)
	raw, _ := json.Marshal(resp)
	if len(buttons(resp["data"].(map[string]any))) != 0 || !strings.Contains(string(raw), "Not allowed") || !strings.Contains(string(raw), "discord:role:5566") {
		t.Fatalf("a member without the role: %s", raw)
	}
	if f.deletes() != 0 {
		t.Fatal("vendor called")
	}
}

// The request for a second approval reaches the channel with its Approve
// button even when the follow-up route fails; when the channel refuses it
// too, the requester is told privately; when even that fails, the audit
// log records it undelivered.
func TestApprovalRequestFallsBackWithItsButtons(t *testing.T) {
	for _, down := range []string{"followup", "followup+channel", "everything"} {
		path := filepath.Join(t.TempDir(), "policy.yaml")
		_ = os.WriteFile(path, []byte("rules:\n  - verbs: [delete]\n    request: [\"*\"]\n    second_approval_over: 0\n    approve: [discord:role:7777]\n"), 0o600)
		holder := policy.NewHolder([]string{"delete", "help", "whoami"}, nil)
		if err := holder.Reload(path); err != nil {
			t.Fatal(err)
		}
		logs := &bottest.Buffer{}
		f := newFixtureLogs(t, logs, func(o *bot.Options) { o.Access = holder })
		confirmID, _ := f.confirmation(t, "U-ALICE")
		f.api.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/webhooks/") && !strings.Contains(r.URL.Path, "/callback"):
				body, _ := io.ReadAll(r.Body)
				if down == "everything" || !strings.Contains(string(body), `"flags":64`) { // the public follow-up fails
					w.WriteHeader(500)
					return
				}
				r.Body = io.NopCloser(strings.NewReader(string(body)))
			case down != "followup" && strings.Contains(r.URL.Path, "/channels/"):
				w.WriteHeader(403)
				return
			}
			discordAPI(w, r)
		})
		f.send(t, click("c1", "U-ALICE", confirmID), nil)
		f.adapter.Wait()
		posted := f.rest(http.MethodPost, "/channels/C-WAR/messages")
		if len(posted) == 0 || !strings.Contains(string(posted[0].Body), `"custom_id":"approve:`) {
			t.Fatalf("%s down: the channel fallback = %v", down, posted)
		}
		var private bool
		for _, r := range f.rest(http.MethodPost, "/webhooks/app-1/tok-c1") {
			private = private || (strings.Contains(string(r.Body), `"flags":64`) && strings.Contains(string(r.Body), "could not be posted in the channel"))
		}
		undelivered := strings.Contains(logs.String(), `"outcome":"undelivered"`)
		switch {
		case down == "followup" && (private || undelivered):
			t.Errorf("the channel message worked, yet private %v, undelivered %v", private, undelivered)
		case down == "followup+channel" && (!private || undelivered):
			t.Errorf("with the channel down: private note %v, undelivered %v; want a private note", private, undelivered)
		case down == "everything" && !undelivered:
			t.Errorf("with every route down, the audit log does not say undelivered")
		}
	}
}

// An approval that nobody gives in time: the public request, posted as a
// message of the bot's own, is edited with its buttons removed, and the
// requester reads that it waited for a second approval that did not come.
func TestApprovalThatExpiresLosesItsButtons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(path, []byte("rules:\n  - verbs: [delete]\n    request: [\"*\"]\n    second_approval_over: 0\n    approve: [discord:role:7777]\n"), 0o600)
	holder := policy.NewHolder([]string{"delete", "help", "whoami"}, nil)
	if err := holder.Reload(path); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *bot.Options) { o.Access, o.SweepEvery = holder, -1 })
	f.bot.SetUpdater("discord", f.adapter.UpdateMessage)
	f.bot.SetAnnouncer("discord", f.adapter.Announce)
	confirmID, _ := f.confirmation(t, "U-ALICE")
	f.send(t, click("c1", "U-ALICE", confirmID), nil)
	f.adapter.Wait()
	posted := f.rest(http.MethodPost, "/channels/C-WAR/messages")
	if len(posted) != 1 || !strings.Contains(string(posted[0].Body), `"custom_id":"approve:`) {
		t.Fatalf("the approval request was not posted as the bot's own message: %v", posted)
	}
	f.clock.Add(6 * time.Minute)
	f.bot.Sweep(context.Background())
	f.bot.Close() // waits for the updates
	edits := f.rest(http.MethodPatch, "/channels/C-WAR/messages/msg-1")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "Approval expired: delete incidents (2)") ||
		strings.Contains(string(edits[0].Body), "approve:") || !strings.Contains(string(edits[0].Body), `"components":[]`) {
		t.Fatalf("the approval request was edited to: %v", edits)
	}
	var mine string
	for _, r := range f.rest(http.MethodPatch, "/webhooks/app-1/") {
		mine += string(r.Body)
	}
	if !strings.Contains(mine, "was not approved") || !strings.Contains(mine, "waited for a second approval that did not come") {
		t.Fatalf("the requester's message reads: %s", mine)
	}
}
