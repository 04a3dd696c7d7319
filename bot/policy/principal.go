package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// Platforms a Subject can come from.
const (
	Slack   = "slack"
	Discord = "discord"
	Console = "console"
)

// Kind is what a Principal names.
type Kind int

// The kinds of principal, written in a policy file as shown.
const (
	Everyone    Kind = iota + 1 // "*"
	ConsoleUser                 // console
	SlackUser                   // slack:U…
	SlackGroup                  // slack:group:S…
	DiscordUser                 // discord:user:ID
	DiscordRole                 // discord:role:ID
)

// Principal is one entry of a rule's request or approve list.
type Principal struct {
	Kind Kind
	ID   string // the Slack or Discord ID; empty for Everyone and ConsoleUser
}

// principalForms is what an error about a principal tells the operator.
const principalForms = `slack:U…, slack:group:S…, discord:user:ID, discord:role:ID, console, or "*" (quoted)`

// channelForms is what an error about a channel tells the operator.
const channelForms = `slack:C… (or G…, D…), discord:ID, or console`

var (
	slackUserID    = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	slackGroupID   = regexp.MustCompile(`^S[A-Z0-9]+$`)
	slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	snowflake      = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// ParsePrincipal reads one principal as written in a policy file.
func ParsePrincipal(s string) (Principal, error) {
	switch {
	case s == "*":
		return Principal{Kind: Everyone}, nil
	case s == "console":
		return Principal{Kind: ConsoleUser}, nil
	case strings.HasPrefix(s, "slack:group:"):
		if id := strings.TrimPrefix(s, "slack:group:"); slackGroupID.MatchString(id) {
			return Principal{Kind: SlackGroup, ID: id}, nil
		}
		return Principal{}, fmt.Errorf("malformed principal %q: a Slack user group ID starts with S (slack:group:S0614TZR7); accepted forms are %s", s, principalForms)
	case strings.HasPrefix(s, "discord:user:"), strings.HasPrefix(s, "discord:role:"):
		kind, what := DiscordUser, "user"
		if strings.HasPrefix(s, "discord:role:") {
			kind, what = DiscordRole, "role"
		}
		if id := s[len("discord:"+what+":"):]; snowflake.MatchString(id) {
			return Principal{Kind: kind, ID: id}, nil
		}
		return Principal{}, fmt.Errorf("malformed principal %q: a Discord %s ID is a number; accepted forms are %s", s, what, principalForms)
	case strings.HasPrefix(s, "slack:"):
		if id := strings.TrimPrefix(s, "slack:"); slackUserID.MatchString(id) {
			return Principal{Kind: SlackUser, ID: id}, nil
		}
	}
	return Principal{}, fmt.Errorf("malformed principal %q: accepted forms are %s", s, principalForms)
}

// String gives the principal as written in a policy file.
func (p Principal) String() string {
	switch p.Kind {
	case Everyone:
		return "*"
	case ConsoleUser:
		return "console"
	case SlackUser:
		return "slack:" + p.ID
	case SlackGroup:
		return "slack:group:" + p.ID
	case DiscordUser:
		return "discord:user:" + p.ID
	case DiscordRole:
		return "discord:role:" + p.ID
	}
	return "?"
}

// words describes the principal for a refusal: "a member of slack:group:S1".
func (p Principal) words() string {
	switch p.Kind {
	case Everyone:
		return "anyone"
	case ConsoleUser:
		return "the terminal user"
	case SlackGroup, DiscordRole:
		return "a member of " + p.String()
	}
	return p.String()
}

// Channel is one entry of a rule's channels list: where a request is made.
type Channel struct {
	Platform string // Slack, Discord or Console
	ID       string // empty for Console
}

// ParseChannel reads one channel as written in a policy file.
func ParseChannel(s string) (Channel, error) {
	switch {
	case s == "console":
		return Channel{Platform: Console}, nil
	case strings.HasPrefix(s, "slack:") && slackChannelID.MatchString(s[len("slack:"):]):
		return Channel{Platform: Slack, ID: s[len("slack:"):]}, nil
	case strings.HasPrefix(s, "discord:") && snowflake.MatchString(s[len("discord:"):]):
		return Channel{Platform: Discord, ID: s[len("discord:"):]}, nil
	}
	return Channel{}, fmt.Errorf("malformed channel %q: accepted forms are %s", s, channelForms)
}

// String gives the channel as written in a policy file.
func (c Channel) String() string {
	if c.Platform == Console {
		return "console"
	}
	return c.Platform + ":" + c.ID
}

// joinOr lists items as "a, b or c".
func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
