package slack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

const testPolicy = `rules:
  - verbs: [delete, unlink, unassign]
    request: [slack:U0ALICE, slack:group:S0RESPONDERS]
    channels: [slack:C0WAR]
    second_approval_over: 2
    approve: [slack:group:S0SECOPS]
  - verbs: [create, verify, accept, resolve]
    request: ["*"]
`

// policyFixture is a Slack fixture under testPolicy, whose user groups a
// fake usergroups.users.list answers: carol is a responder, bob and erin
// are in secops, mallory and dave are in neither. groupsDown makes that
// call fail.
type policyFixture struct {
	*fixture
	mu         sync.Mutex
	groupsDown bool
	lookups    int
	// path is the policy file, holder the policy in force: a test
	// rewrites the one and reloads the other, as SIGHUP does.
	path   string
	holder *policy.Holder
}

// newPolicyFixture is a policy fixture; extra set more of the bot's
// options (a store).
func newPolicyFixture(t *testing.T, extra ...func(*fixture, *bot.Options)) *policyFixture {
	pf := &policyFixture{}
	path := filepath.Join(t.TempDir(), "policy.yaml")
	pf.path = path
	if err := os.WriteFile(path, []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	pf.fixture = newFixtureTTL(t, 5*time.Minute, func(f *fixture, o *bot.Options) {
		f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/usergroups.users.list" {
				vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C0WAR", "ts": "1700000000.000100"})
				return
			}
			pf.mu.Lock()
			pf.lookups++
			down := pf.groupsDown
			pf.mu.Unlock()
			if down {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_ = r.ParseForm()
			members := map[string][]string{"S0RESPONDERS": {"U0CAROL"}, "S0SECOPS": {"U0BOB", "U0ERIN"}}[r.PostForm.Get("usergroup")]
			vendortest.Reply(w, 200, map[string]any{"ok": true, "users": members})
		})
		var verbs []string
		for _, v := range commands.Verbs() {
			verbs = append(verbs, v.Name)
		}
		groups := policy.NewGroupCache(&policy.SlackGroups{BaseURL: f.slackAPI.URL + "/api/", Token: "xoxb-test"}, time.Nanosecond, f.clock.Now)
		holder := policy.NewHolder(verbs, groups)
		if err := holder.Reload(path); err != nil {
			t.Fatal(err)
		}
		o.Access = holder
		pf.holder = holder
		for _, set := range extra {
			set(f, o)
		}
	})
	return pf
}

// slashIn sends a slash command from user in channel and returns the ack's text.
func (f *fixture) slashIn(t *testing.T, user, channel, text string) string {
	t.Helper()
	_, body := f.post(t, "/slack/commands", url.Values{
		"command": {"/incident"}, "text": {text}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {channel}, "response_url": {f.slackAPI.URL + "/response/" + user}, "trigger_id": {"trigger-1"},
	}, nil)
	return body
}

// actionIDs returns the buttons' action IDs in a Block Kit message body.
func actionIDs(body string) map[string]string {
	var msg struct {
		Blocks []struct {
			Elements []struct {
				ActionID string `json:"action_id"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal([]byte(body), &msg)
	out := map[string]string{}
	for _, b := range msg.Blocks {
		for _, e := range b.Elements {
			kind, _, _ := strings.Cut(e.ActionID, ":")
			out[kind] = e.ActionID
		}
	}
	return out
}

// approvalRequest is the last approval request the bot posted in a channel
// with chat.postMessage, as JSON: {"channel": ..., "text": ..., "blocks": [...]}.
func (f *fixture) approvalRequest(t *testing.T) string {
	t.Helper()
	reqs := f.slackAPI.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path != "/api/chat.postMessage" {
			continue
		}
		v, _ := url.ParseQuery(string(reqs[i].Body))
		if strings.Contains(v.Get("text"), "Approval needed") {
			raw, _ := json.Marshal(map[string]any{"channel": v.Get("channel"), "text": v.Get("text"), "blocks": json.RawMessage(v.Get("blocks"))})
			return string(raw)
		}
	}
	t.Fatal("no approval request was posted with chat.postMessage")
	return ""
}

// lastPost is the text of the last message posted to a response URL path.
func (f *fixture) lastPost(t *testing.T, path string) string {
	t.Helper()
	posts := f.posted(t, path)
	if len(posts) == 0 {
		t.Fatalf("nothing was posted to %s", path)
	}
	raw, _ := json.Marshal(posts[len(posts)-1])
	return string(raw)
}

func TestPolicyAllowsAndRefuses(t *testing.T) {
	pf := newPolicyFixture(t)
	for _, tc := range []struct {
		name, user, channel string
		allowed             bool
		want                string
	}{
		{"a named user", "U0ALICE", "C0WAR", true, "Confirm: delete incidents (2)?"},
		{"a member of a named group", "U0CAROL", "C0WAR", true, "Confirm: delete incidents (2)?"},
		{"someone not named", "U0MALLORY", "C0WAR", false, "delete needs"},
		{"a named user in another channel", "U0ALICE", "C0RANDOM", false, "slack:C0WAR"},
		{"someone in no named group", "U0DAVE", "C0WAR", false, "slack:group:S0RESPONDERS"},
	} {
		body := pf.slashIn(t, tc.user, tc.channel, "delete inc-1 inc-2")
		_, hasConfirm := actionIDs(body)["confirm"]
		if hasConfirm != tc.allowed || !strings.Contains(body, tc.want) {
			t.Errorf("%s: allowed=%v, answer:\n%s", tc.name, hasConfirm, body)
		}
		if !tc.allowed && !strings.Contains(body, "Not allowed: nothing was run.") {
			t.Errorf("%s: the refusal does not say nothing was run:\n%s", tc.name, body)
		}
	}
	if pf.deletes() != 0 {
		t.Fatalf("%d deletes reached the vendor without a confirmation", pf.deletes())
	}
	// Everyone may create; the rule for it names no group, so Slack is not asked.
	pf.mu.Lock()
	before := pf.lookups
	pf.mu.Unlock()
	if body := pf.slashIn(t, "U0MALLORY", "C0RANDOM", "accept IM1"); strings.Contains(body, "Not allowed") {
		t.Fatalf("accept by anyone was refused:\n%s", body)
	}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if pf.lookups != before {
		t.Errorf("a rule for everyone asked Slack about groups")
	}
}

func TestPolicyFailsClosedWhenSlackCannotBeAsked(t *testing.T) {
	pf := newPolicyFixture(t)
	pf.mu.Lock()
	pf.groupsDown = true
	pf.mu.Unlock()
	body := pf.slashIn(t, "U0CAROL", "C0WAR", "delete inc-1")
	if _, ok := actionIDs(body)["confirm"]; ok || !strings.Contains(body, "Not allowed") || !strings.Contains(body, "Slack could not be asked") {
		t.Fatalf("with Slack's user groups unreachable, carol got:\n%s", body)
	}
	if pf.deletes() != 0 {
		t.Fatal("vendor called")
	}
}

func TestSecondApproval(t *testing.T) {
	pf := newPolicyFixture(t)
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2 inc-3")
	if !strings.Contains(body, "a second person must approve it: one of slack:group:S0SECOPS") {
		t.Fatalf("the confirmation does not say a second approval is needed:\n%s", body)
	}
	pf.click(t, "U0ALICE", actionIDs(body)["confirm"])
	pf.adapter.Wait()
	if pf.deletes() != 0 {
		t.Fatal("ran on the requester's confirm alone")
	}
	// The requester's message says it waits; the channel gets the request,
	// as a message of the bot's own (which its expiry can edit).
	posts := pf.posted(t, "/response/click-U0ALICE")
	raw, _ := json.Marshal(posts)
	ask := pf.approvalRequest(t)
	if len(posts) < 1 || !strings.Contains(string(raw), "Confirmed; waiting for a second approval") || !strings.Contains(ask, `"channel":"C0WAR"`) ||
		!strings.Contains(ask, "Approval needed: delete incidents (3)?") {
		t.Fatalf("after alice's confirm:\n%s\n%s", raw, ask)
	}
	approveID := actionIDs(ask)["approve"]
	if approveID == "" {
		t.Fatalf("the approval request has no Approve button:\n%s", raw)
	}

	// The requester cannot approve; an outsider cannot; both are told privately.
	for user, want := range map[string]string{"U0ALICE": "You asked for this, so you cannot also approve it.", "U0MALLORY": "You may not approve this."} {
		pf.click(t, user, approveID)
		pf.adapter.Wait()
		note := pf.lastPost(t, "/response/click-"+user)
		if !strings.Contains(note, want) || !strings.Contains(note, `"response_type":"ephemeral"`) {
			t.Errorf("%s's approve: %s", user, note)
		}
	}
	if pf.deletes() != 0 {
		t.Fatal("a refused approval ran the action")
	}

	// Two secops members approve at once: it runs once.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		for _, user := range []string{"U0BOB", "U0ERIN"} {
			wg.Add(1)
			go func() { defer wg.Done(); pf.click(t, user, approveID) }()
		}
	}
	wg.Wait()
	pf.adapter.Wait()
	if pf.deletes() != 1 {
		t.Fatalf("20 approvals made %d vendor calls, want 1", pf.deletes())
	}
	results := pf.posted(t, "/response/click-U0")
	all, _ := json.Marshal(results)
	if !strings.Contains(string(all), "approved by") || !strings.Contains(string(all), "SecMaster: deleted 3 of 3") {
		t.Fatalf("the approver's message lacks the result:\n%s", all)
	}
}

func TestApprovalAfterExpiryNeverRuns(t *testing.T) {
	pf := newPolicyFixture(t)
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "unassign cx-1 cx-2 cx-3")
	_ = body
	body = pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2 inc-3")
	pf.click(t, "U0ALICE", actionIDs(body)["confirm"])
	pf.adapter.Wait()
	approveID := actionIDs(pf.approvalRequest(t))["approve"]
	pf.clock.Add(5 * time.Minute)
	pf.click(t, "U0BOB", approveID)
	pf.adapter.Wait()
	if got := pf.lastPost(t, "/response/click-U0BOB"); !strings.Contains(got, "Expired: delete incidents (3)") {
		t.Fatalf("approval after expiry: %s", got)
	}
	if pf.deletes() != 0 {
		t.Fatal("an expired action ran")
	}
}

func TestDryRunAndWhoami(t *testing.T) {
	pf := newPolicyFixture(t)
	body := pf.slashIn(t, "U0ALICE", "C0WAR", "delete inc-1 inc-2 inc-3 --dry-run")
	if _, ok := actionIDs(body)["confirm"]; ok || !strings.Contains(body, "Dry run: delete incidents (3). Nothing was run and no confirmation was created.") ||
		!strings.Contains(body, "second approval from slack:group:S0SECOPS") || !strings.Contains(body, "/soc/incidents") {
		t.Fatalf("dry run:\n%s", body)
	}
	body = pf.slashIn(t, "U0MALLORY", "C0WAR", "delete inc-1 --dry-run")
	if !strings.Contains(body, "Not allowed") {
		t.Fatalf("a dry run by someone not allowed:\n%s", body)
	}
	body = pf.slashIn(t, "U0BOB", "C0WAR", "whoami")
	if !strings.Contains(body, "slack:U0BOB") || !strings.Contains(body, "approve") {
		t.Fatalf("whoami:\n%s", body)
	}
	if pf.deletes() != 0 {
		t.Fatal("vendor called")
	}
}
