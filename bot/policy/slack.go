package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

// SlackAPI is the base URL of Slack's Web API.
const SlackAPI = "https://slack.com/api"

// SlackGroups asks Slack's usergroups.users.list for a group's members.
// The bot token needs the usergroups:read scope.
type SlackGroups struct {
	BaseURL string       // SlackAPI, or a test server's URL
	Token   string       // bot token, xoxb-…
	Client  *http.Client // nil means http.DefaultClient
	// Budget bounds a whole look-up, retries included: past it the
	// look-up fails and the rule that needed it refuses. 0 means 1.5 s.
	Budget time.Duration
}

// DefaultGroupBudget is SlackGroups' budget when none is set.
const DefaultGroupBudget = 1500 * time.Millisecond

// maxGroupResponse bounds what is read from Slack (about 80,000 user IDs).
const maxGroupResponse = 1 << 20

// Members implements GroupResolver with a POST to
// BaseURL/usergroups.users.list. Any answer but {"ok":true} is an error;
// the error never contains the token.
func (g *SlackGroups) Members(ctx context.Context, groupID string) ([]string, error) {
	budget := g.Budget
	if budget <= 0 {
		budget = DefaultGroupBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	form := url.Values{"usergroup": {groupID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimSuffix(g.BaseURL, "/")+"/usergroups.users.list", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+g.Token)
	client := http.Client{}
	if g.Client != nil {
		client = *g.Client
	}
	// A 429 or 503 is retried while the budget allows; the budget's
	// deadline makes the policy give up rather than wait past it.
	client.Transport = &httpretry.Transport{Next: client.Transport, Policy: httpretry.Default}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("usergroups.users.list: HTTP %d", resp.StatusCode)
		if httpretry.Retryable(resp.StatusCode) {
			msg += fmt.Sprintf(", retry after %s", httpretry.After(resp.Header, time.Now()))
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
