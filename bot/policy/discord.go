package policy

// DiscordRoleOnly reports whether, on Discord, only role members (and no
// one by user ID or as "*") may request any of the destructive verbs. The
// bot can then register its command with default_member_permissions "0",
// hiding it from members by default so that server admins show it to those
// roles; the check in Decide still runs on every interaction.
//
// A rule counts for Discord unless its channels name no Discord channel;
// a rule counts for a destructive verb if it names it or "*". If no rule
// lets anyone on Discord request a destructive verb, the answer is true
// (there is nothing to show). A nil Policy (everyone may) answers false.
func (p *Policy) DiscordRoleOnly(destructive []string) bool {
	if p == nil {
		return false
	}
	for _, r := range p.Rules {
		if !r.onDiscord() || !r.namesAny(destructive) {
			continue
		}
		for _, pr := range r.Request {
			if pr.Kind == Everyone || pr.Kind == DiscordUser {
				return false
			}
		}
	}
	return true
}

func (r *Rule) onDiscord() bool {
	if r.Channels == nil {
		return true
	}
	for _, c := range r.Channels {
		if c.Platform == Discord {
			return true
		}
	}
	return false
}

func (r *Rule) namesAny(verbs []string) bool {
	for _, v := range verbs {
		if r.names(v) {
			return true
		}
	}
	return false
}
