package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SlackAPI is the base URL of Slack's Web API.
const SlackAPI = "https://slack.com/api"

// SlackGroups asks Slack's usergroups.users.list for a group's members.
// The bot token needs the usergroups:read scope.
type SlackGroups struct {
	BaseURL string       // SlackAPI, or a test server's URL
	Token   string       // bot token, xoxb-…
	Client  *http.Client // nil means http.DefaultClient
}

// maxGroupResponse bounds what is read from Slack (about 80,000 user IDs).
const maxGroupResponse = 1 << 20

// Members implements GroupResolver with a POST to
// BaseURL/usergroups.users.list. Any answer but {"ok":true} is an error;
// the error never contains the token.
func (g *SlackGroups) Members(ctx context.Context, groupID string) ([]string, error) {
	form := url.Values{"usergroup": {groupID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimSuffix(g.BaseURL, "/")+"/usergroups.users.list", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+g.Token)
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("usergroups.users.list: HTTP %d", resp.StatusCode)
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			msg += ", retry after " + ra + "s"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	var out struct {
		OK     bool     `json:"ok"`
		Users  []string `json:"users"`
		Error  string   `json:"error"`
		Needed string   `json:"needed"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxGroupResponse)).Decode(&out); err != nil {
		return nil, fmt.Errorf("usergroups.users.list: unreadable answer: %w", err)
	}
	if !out.OK {
		if out.Error == "" {
			out.Error = "ok is false"
		}
		if out.Needed != "" {
			return nil, fmt.Errorf("usergroups.users.list: %s (the bot token needs %s)", out.Error, out.Needed)
		}
		return nil, fmt.Errorf("usergroups.users.list: %s", out.Error)
	}
	return out.Users, nil
}
