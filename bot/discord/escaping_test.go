package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// hostile is user text that Discord's markdown would turn into a masked
// link, a heading, a spoiler and a ping if it were sent as it is.
const hostile = `<!channel> <@U123> [Click to re-authenticate](https://evil.example/login) # big ||spoiler|| @everyone`

// discordEscaped is how its link must read in every text field.
const discordEscaped = `\[Click to re-authenticate\](https://evil.example/login)`

// live finds a piece of hostile that Discord would act on: not preceded
// by the backslash that disarms it.
var live = regexp.MustCompile(`(^|[^\\])(\[Click|\]\(|# big|\|\||@everyone|<@U123)`)

// strs collects every string in a JSON body but an embed's footer, which
// Discord shows as plain text (no markdown, so nothing to escape).
func strs(body []byte) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				if k != "footer" {
					walk(x)
				}
			}
		}
	}
	var v any
	_ = json.Unmarshal(body, &v)
	walk(v)
	return out
}

func TestHostileTextIsInertInEveryMessageDiscordReceives(t *testing.T) {
	f := newFixtureWith(t, 1, -1, nil)
	f.bot.SetAuditChannel("discord", func(ctx context.Context, r reply.Reply) error { return f.adapter.Post(ctx, "C-AUDIT", r) })
	seen := map[string]bool{} // kinds that carried the hostile text
	check := func(kind string, body []byte) {
		t.Helper()
		all := strs(body)
		for _, s := range all {
			if m := live.FindString(s); m != "" {
				t.Errorf("%s: %q reached Discord in %q", kind, m, s)
			}
		}
		if strings.Contains(strings.Join(all, "\n"), discordEscaped) {
			seen[kind] = true
		}
	}
	respond := func(kind string, i map[string]any) map[string]any {
		t.Helper()
		_, resp := f.send(t, i, nil)
		raw, _ := json.Marshal(resp)
		check(kind, raw)
		return resp
	}
	form := map[string]any{"level": "level_20", "type": "inc_type_p_reliability_issues", "interrupted": true}
	fields := map[string]string{"title": hostile, "description": hostile, "app": "app-7", "assignee": "u-1"}

	// A ticket: "Working on it", the card, its follow-up in the channel and
	// the audit channel's post.
	modal := respond("modal", slash("c1", "U-ALICE", "create", form))
	respond("response: create", modalSubmit("c2", modal["data"].(map[string]any)["custom_id"].(string), fields))
	f.adapter.Wait()

	// A ticket whose outcome is unknown (COC answers 500), with edits
	// refused: the result goes by a private follow-up.
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	f.api.SetHandler(failingEdits(500))
	modal = respond("modal", slash("c3", "U-ALICE", "create", form))
	respond("response: create", modalSubmit("c4", modal["data"].(map[string]any)["custom_id"].(string), fields))
	f.adapter.Wait()
	f.api.SetHandler(discordAPI)

	// A delete asked and confirmed by someone whose name is hostile: the
	// confirmation, "Running", progress, the result and the audit post.
	eve := map[string]any{"user": map[string]any{"id": "U-EVE", "username": "eve", "global_name": hostile}}
	del := slash("d1", "U-EVE", "delete", map[string]any{"ids": "inc-1, inc-2"})
	del["member"] = eve
	resp := respond("response: confirmation", del)
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	c := click("d2", "U-EVE", confirmID)
	c["member"] = eve
	respond("response: Running", c)
	f.adapter.Wait()
	f.bot.Close() // waits for the audit channel's posts

	for _, r := range f.api.Requests() {
		kind := r.Method + " " + r.Path
		switch {
		case strings.Contains(r.Path, "/channels/C-AUDIT/"):
			kind = "audit channel"
		case r.Method == http.MethodPatch:
			kind = "edit"
		case strings.Contains(r.Path, "/webhooks/"):
			kind = "follow-up"
		}
		check(kind, r.Body)
	}
	for _, want := range []string{"response: confirmation", "response: Running", "edit", "follow-up", "audit channel"} {
		if !seen[want] {
			t.Errorf("no %s carried the hostile text (escaped); carried: %v", want, seen)
		}
	}
}
