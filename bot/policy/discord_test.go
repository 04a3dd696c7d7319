package policy

import "testing"

func TestDiscordRoleOnly(t *testing.T) {
	destructive := []string{"delete", "unlink", "unassign"}
	for _, tc := range []struct {
		name string
		src  string
		want bool
	}{
		{"roles only", `rules:
  - verbs: [delete, unlink]
    request: [discord:role:1, slack:U1, console]
  - verbs: [create]
    request: ["*"]
`, true},
		{"a Discord user by ID", `rules:
  - verbs: [delete]
    request: [discord:role:1, discord:user:2]
`, false},
		{"everyone may delete", `rules:
  - verbs: [unassign]
    request: ["*"]
`, false},
		{"star verbs for everyone", `rules:
  - verbs: ["*"]
    request: ["*"]
`, false},
		{"everyone, but only in Slack channels", `rules:
  - verbs: [delete]
    request: ["*"]
    channels: [slack:C1]
`, true},
		{"no destructive rule at all", `rules:
  - verbs: [create]
    request: ["*"]
`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.src).DiscordRoleOnly(destructive); got != tc.want {
				t.Errorf("DiscordRoleOnly = %v, want %v", got, tc.want)
			}
		})
	}
	var none *Policy
	if none.DiscordRoleOnly(destructive) {
		t.Error("no policy: role only")
	}
}
