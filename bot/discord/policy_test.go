package discord_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
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
