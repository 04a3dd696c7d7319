package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
)

func manyIDs(n int) string {
	var ids []string
	for i := 1; i <= n; i++ {
		ids = append(ids, fmt.Sprintf("inc-%d", i))
	}
	return strings.Join(ids, " ")
}

var confirmAction = regexp.MustCompile(`"action_id":"(confirm:[a-z0-9]+)"`)

// sequence is what Slack's side received, in order: the route and the
// message's text (its title).
func (f *fixture) sequence(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range f.slackAPI.Requests() {
		var route, text string
		switch {
		case strings.HasPrefix(r.Path, "/response/"):
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			route = "response_url"
			if m["replace_original"] == true {
				route += " (replace)"
			} else if m["response_type"] == "in_channel" {
				route += " (in channel)"
			}
			text, _ = m["text"].(string)
		case strings.HasPrefix(r.Path, "/api/"):
			form, _ := url.ParseQuery(string(r.Body))
			route = strings.TrimPrefix(r.Path, "/api/")
			text = form.Get("text")
		}
		out = append(out, route+": "+text)
	}
	return out
}

// byMessage orders a sequence of deliveries message by message: what went
// through response_url (the confirmation's message), then what went
// through chat.postMessage and chat.update (the channel's progress
// message), each in the order it came.
func byMessage(seq []string) []string {
	var confirmation, channel []string
	for _, line := range seq {
		if strings.HasPrefix(line, "response_url") {
			confirmation = append(confirmation, line)
		} else {
			channel = append(channel, line)
		}
	}
	return append(confirmation, channel...)
}

func (f *fixture) confirm180(t *testing.T) {
	t.Helper()
	status, body := f.slash(t, "U-ALICE", "delete "+manyIDs(180))
	m := confirmAction.FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("slash: %d %s", status, body)
	}
	if status, _ := f.click(t, "U-ALICE", m[1]); status != 200 {
		t.Fatalf("click: %d", status)
	}
	f.adapter.Wait()
	if n := f.deletes(); n != 3 {
		t.Fatalf("vendor calls = %d, want 3", n)
	}
}

// A 180-ID delete in calls of 60: the confirmation turns into "running";
// the channel gets one message that the bot posts at the first progress,
// updates at the second and replaces with the result; the confirmation
// becomes the result. response_url is used twice of its five.
func TestProgressOfAThreeCallDeleteOnSlack(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, fixtureOptions{batch: 60, progressEvery: -1, metrics: m})
	f.confirm180(t)
	got := f.sequence(t)
	want := []string{
		"response_url (replace): Running: delete incidents (180)…",
		"chat.postMessage: SecMaster: deleted 60 of 180 so far…",
		"chat.update: SecMaster: deleted 120 of 180 so far…",
		"response_url (replace): SecMaster: deleted 180 of 180",
		"chat.update: SecMaster: deleted 180 of 180",
	}
	// Two messages, each in its order: "Running" goes out beside the
	// first vendor call (never ahead of it), so it and the channel's
	// progress message may arrive in either order; within each message
	// the order is fixed.
	if strings.Join(byMessage(got), "\n") != strings.Join(byMessage(want), "\n") {
		t.Fatalf("Slack received:\n%s\nwant, per message:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		t.Log(line)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`incidentbot_chat_deliveries_total{platform="slack",result="in_place",route="chat_post"} 1`,
		`incidentbot_chat_deliveries_total{platform="slack",result="in_place",route="chat_update"} 2`,
		`incidentbot_chat_deliveries_total{platform="slack",result="in_place",route="response_url"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// With the default interval, progress that comes faster than once a second
// is dropped: the first is shown, the result follows.
func TestSlackProgressIsThrottled(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 60, progressEvery: time.Hour})
	f.confirm180(t)
	got := strings.Join(f.sequence(t), "\n")
	if strings.Contains(got, "120 of 180") || !strings.Contains(got, "60 of 180") || !strings.Contains(got, "chat.update: SecMaster: deleted 180 of 180") {
		t.Fatalf("Slack received:\n%s", got)
	}
}

// Where the bot may not post in the channel, progress replaces the
// confirmation through response_url instead, within its budget, and the
// result goes to the channel through response_url as before.
func TestSlackProgressFallsBackToResponseURL(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, fixtureOptions{batch: 60, progressEvery: -1, metrics: m})
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":false,"error":"not_in_channel"}`)
			return
		}
		w.WriteHeader(200)
	})
	f.confirm180(t)
	// The failed chat.postMessage may come before or after "Running";
	// everything through response_url comes in this order.
	got := strings.Join(byMessage(f.sequence(t)), "\n")
	want := strings.Join(byMessage([]string{
		"response_url (replace): Running: delete incidents (180)…",
		"chat.postMessage: SecMaster: deleted 60 of 180 so far…",
		"response_url (replace): SecMaster: deleted 60 of 180 so far…",
		"response_url (replace): SecMaster: deleted 120 of 180 so far…",
		"response_url (replace): SecMaster: deleted 180 of 180",
		"response_url (in channel): SecMaster: deleted 180 of 180",
	}), "\n")
	if got != want {
		t.Fatalf("Slack received:\n%s\nwant:\n%s", got, want)
	}
}
