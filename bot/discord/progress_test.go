package discord_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// sequence is what Discord's side received after the click's response, in
// order: the route and the embed's title.
func (f *fixture) sequence(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range f.api.Requests() {
		var route string
		switch {
		case r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/messages/@original"):
			route = "edit original"
		case r.Method == http.MethodPost && strings.Contains(r.Path, "/webhooks/"):
			route = "follow-up"
		default:
			continue
		}
		var m struct {
			Embeds []struct {
				Title string `json:"title"`
			} `json:"embeds"`
		}
		_ = json.Unmarshal(r.Body, &m)
		title := ""
		if len(m.Embeds) > 0 {
			title = m.Embeds[0].Title
		}
		out = append(out, route+": "+title)
	}
	return out
}

func (f *fixture) confirm180(t *testing.T) map[string]any {
	t.Helper()
	status, resp := f.send(t, slash("i1", "U-ALICE", "delete", map[string]any{"ids": manyIDs(180)}), nil)
	if status != 200 {
		t.Fatalf("delete: %d %v", status, resp)
	}
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	status, resp = f.send(t, click("i2", "U-ALICE", confirmID), nil)
	if status != 200 {
		t.Fatalf("confirm: %d %v", status, resp)
	}
	f.adapter.Wait()
	if n := f.deletes(); n != 3 {
		t.Fatalf("vendor calls = %d, want 3", n)
	}
	return resp
}

// A 180-ID delete in calls of 60: the click's response turns the
// confirmation into "running"; each call but the last edits that message
// with the progress; the result replaces it and is posted to the channel.
func TestProgressOfAThreeCallDeleteOnDiscord(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, 60, -1, m)
	resp := f.confirm180(t)
	raw, _ := json.Marshal(resp)
	if !strings.Contains(string(raw), "Running: delete incidents (180)") {
		t.Fatalf("click response: %s", raw)
	}
	got := f.sequence(t)
	want := []string{
		"edit original: SecMaster: deleted 60 of 180 so far…",
		"edit original: SecMaster: deleted 120 of 180 so far…",
		"edit original: SecMaster: deleted 180 of 180",
		"follow-up: SecMaster: deleted 180 of 180",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Discord received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Log("interaction response (update message): Running: delete incidents (180)…")
	for _, line := range got {
		t.Log(line)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`incidentbot_chat_deliveries_total{platform="discord",result="in_place",route="interaction_edit"} 3`,
		`incidentbot_chat_deliveries_total{platform="discord",result="in_place",route="followup"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// Edits faster than the interval are dropped; the result always comes.
func TestDiscordProgressIsThrottled(t *testing.T) {
	f := newFixtureWith(t, 60, time.Hour, nil)
	f.confirm180(t)
	got := strings.Join(f.sequence(t), "\n")
	if strings.Contains(got, "120 of 180") || !strings.Contains(got, "60 of 180") || !strings.Contains(got, "edit original: SecMaster: deleted 180 of 180") {
		t.Fatalf("Discord received:\n%s", got)
	}
}
