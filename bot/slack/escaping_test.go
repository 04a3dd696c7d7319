package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// hostile is user text that would ping the channel, mention someone and
// show a disguised link if Slack read it as mrkdwn.
const hostile = `<!channel> <!here> <@U123> <https://evil.example|click here> [Click to re-authenticate](https://evil.example/login) # big ||spoiler|| @everyone`

// slackEscaped is how hostile must read in every text field.
const slackEscaped = `&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|click here&gt;`

// live are the pieces of hostile that Slack would act on.
var live = []string{"<!channel>", "<!here>", "<@U123>", "<https://evil.example"}

// texts collects every string in a body Slack received: JSON (response_url,
// acks) or a form whose blocks field is JSON (the Web API).
func texts(body []byte) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
			var inner any
			if strings.HasPrefix(v, "[") && json.Unmarshal([]byte(v), &inner) == nil {
				walk(inner)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		walk(v)
		return out
	}
	form, _ := url.ParseQuery(string(body))
	for _, vs := range form {
		for _, s := range vs {
			walk(s)
		}
	}
	return out
}

// slackEscape is what Slack does to slash-command text before sending it.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

func TestHostileTextIsInertInEveryMessageSlackReceives(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 1, progressEvery: -1})
	f.bot.SetAuditChannel("slack", func(ctx context.Context, r reply.Reply) error { return f.adapter.Post(ctx, "C-AUDIT", r) })
	var sent []string // what left for Slack, by kind, for the error message
	check := func(kind string, body []byte, wantEscaped bool) {
		t.Helper()
		all := texts(body)
		joined := strings.Join(all, "\n")
		for _, s := range all {
			for _, bad := range live {
				if strings.Contains(s, bad) {
					t.Errorf("%s: %q reached Slack in %q", kind, bad, s)
				}
			}
		}
		if wantEscaped && !strings.Contains(joined, slackEscaped) {
			t.Errorf("%s: the hostile text did not reach Slack escaped:\n%s", kind, joined)
		}
		sent = append(sent, kind)
	}
	slashAs := func(user, name, text string) string {
		_, body := f.post(t, "/slack/commands", url.Values{
			"command": {"/incident"}, "text": {slackEscape(text)}, "user_id": {user}, "user_name": {name},
			"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/" + user}, "trigger_id": {"t"},
		}, nil)
		return body
	}
	create := `create --title "` + hostile + `" --description "` + hostile + `" --level p2 --type reliability --app a --interrupted yes --assignee u`

	// A ticket: "Working on it" (the ack), the ticket card (the result) and
	// the audit channel's post.
	check("ack: Working on it", []byte(slashAs("U-ALICE", "alice", create)), true)
	f.adapter.Wait()

	// A ticket whose outcome is unknown (COC answers 500), with response_url
	// down: the result takes the fallback routes.
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	f.slackAPI.SetHandler(failingResponseURL(500))
	slashAs("U-BOB", "bob", create)
	f.adapter.Wait()
	f.slackAPI.SetHandler(failingResponseURL(200))
	f.coc.SetHandler(cocCreated)

	// A delete asked and confirmed by someone whose name is hostile: the
	// confirmation, "Running", progress, the result and the audit post.
	ack := slashAs("U-EVE", hostile, "delete inc-1 inc-2")
	check("ack: confirmation", []byte(ack), true)
	m := confirmAction.FindStringSubmatch(ack)
	if m == nil {
		t.Fatal("no confirmation to press")
	}
	_, body := f.interact(t, map[string]any{
		"type": "block_actions", "user": map[string]string{"id": "U-EVE", "name": hostile}, "channel": map[string]string{"id": "C-WAR"},
		"response_url": f.slackAPI.URL + "/response/click-U-EVE", "actions": []map[string]string{{"action_id": m[1], "block_id": "buttons", "type": "button"}},
	})
	check("ack: confirm", []byte(body), false)
	f.adapter.Wait()
	f.bot.Close() // waits for the audit channel's posts

	kinds := map[string]bool{}
	for _, r := range f.slackAPI.Requests() {
		kind := r.Path
		if strings.HasPrefix(kind, "/response/") {
			kind = "response_url"
		}
		all := strings.Join(texts(r.Body), "\n")
		switch {
		case strings.Contains(all, "Working on it"), strings.Contains(all, "Incident IM"), strings.Contains(all, "Audit:"),
			strings.Contains(all, "unknown"), strings.Contains(all, "Running"), strings.Contains(all, "asked to delete"):
			check(kind+": "+reply.Cut(strings.SplitN(all, "\n", 2)[0], 60), r.Body, true)
			kinds[kind] = true
		default:
			check(kind, r.Body, false)
		}
	}
	for _, want := range []string{"response_url", "/api/chat.postMessage", "/api/chat.postEphemeral"} {
		if !kinds[want] {
			t.Errorf("no message with the hostile text went by %s; sent: %v", want, sent)
		}
	}
}
