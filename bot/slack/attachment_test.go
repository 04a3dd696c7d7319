package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// slackWithUploads answers Slack's Web API, including the file upload
// flow: files.getUploadURLExternal gives an upload URL on the same
// server, which takes the file; files.completeUploadExternal shares it.
func slackWithUploads(base func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/files.getUploadURLExternal"):
			vendortest.Reply(w, 200, map[string]any{"ok": true, "upload_url": base() + "/upload/F-1", "file_id": "F-1"})
		case strings.HasPrefix(r.URL.Path, "/upload/"):
			_, _ = w.Write([]byte("OK - 1234"))
		case strings.HasSuffix(r.URL.Path, "/files.completeUploadExternal"):
			vendortest.Reply(w, 200, map[string]any{"ok": true, "files": []map[string]string{{"id": "F-1", "title": "Every ID by outcome"}}})
		default:
			vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
		}
	}
}

func uuids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%08d-1111-2222-3333-444444444444", i)
	}
	return out
}

// A 200-ID delete that stops part way: the channel reads the counts and
// the first IDs with Retry and Check, and every ID by outcome is a text
// file shared with it (in the thread of the result when the result
// replaced the progress message).
func TestAPartialResultSharesEveryIDAsAFile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		failCall   int32
		batch      int
		wantThread string
		wantLists  []string
	}{
		{"first call fails", 1, 100, "", []string{"Outcome unknown (100, first 10)", "Not attempted (100, first 10)"}},
		{"second call fails", 2, 50, "1700000000.000100", []string{"Deleted (50, first 10)", "Outcome unknown (50, first 10)", "Not attempted (100, first 10)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, fixtureOptions{batch: tc.batch})
			f.slackAPI.SetHandler(slackWithUploads(func() string { return f.slackAPI.URL }))
			var calls atomic.Int32
			f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == tc.failCall {
					vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00040001", "message": "internal error"})
					return
				}
				vendortest.SecMasterEcho(w, r)
			})
			ids := uuids(200)
			_, body := f.slash(t, "U-ALICE", "delete "+strings.Join(ids, " "))
			confirmID := actionIDs(body)["confirm"]
			f.click(t, "U-ALICE", confirmID)
			f.adapter.Wait()

			var result string
			for _, r := range f.slackAPI.Requests() {
				if strings.Contains(string(r.Body), "SecMaster: deleted") && !strings.Contains(string(r.Body), "so far") {
					result = string(r.Body)
				}
			}
			for _, want := range append(tc.wantLists, "Retry 100 not attempted", "retry:", "check:") {
				if !strings.Contains(result, want) {
					t.Errorf("the result lacks %q: %s", want, result)
				}
			}
			var uploaded, completed string
			for _, r := range f.slackAPI.Requests() {
				switch {
				case strings.HasPrefix(r.Path, "/upload/"):
					uploaded = string(r.Body)
				case strings.HasSuffix(r.Path, "/files.completeUploadExternal"):
					completed = string(r.Body)
				}
			}
			if strings.Count(uploaded, "-1111-2222-") != 200 || !strings.Contains(uploaded, "Not attempted (safe to retry) (100)") {
				t.Errorf("the uploaded file does not hold every ID by outcome:\n%.600s", uploaded)
			}
			form, err := url.ParseQuery(completed)
			if err != nil || form.Get("channel_id") != "C-WAR" || form.Get("thread_ts") != tc.wantThread || !strings.Contains(form.Get("files"), `"id":"F-1"`) {
				t.Errorf("files.completeUploadExternal = %q, want the file shared in C-WAR, thread %q", completed, tc.wantThread)
			}
		})
	}
}

// Retry on Slack answers privately: a new confirmation for the presser,
// and the result's message, with its Check button, stays as it is.
func TestRetryOnSlackIsAPrivateConfirmationAndTheResultStays(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 1})
	var calls atomic.Int32
	f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00040001", "message": "internal error"})
			return
		}
		vendortest.SecMasterEcho(w, r)
	})
	_, body := f.slash(t, "U-ALICE", "delete inc-1 inc-2 inc-3")
	f.click(t, "U-ALICE", actionIDs(body)["confirm"])
	f.adapter.Wait()
	var result string
	for _, r := range f.slackAPI.Requests() {
		if strings.Contains(string(r.Body), "SecMaster: deleted 0 of 3") {
			result = string(r.Body)
		}
	}
	retryID := actionIDs(result)["retry"]
	if retryID == "" || actionIDs(result)["check"] == "" {
		t.Fatalf("no Retry and Check on the result: %s", result)
	}
	before := len(f.slackAPI.Requests())
	f.click(t, "U-BOB", retryID)
	f.adapter.Wait()
	after := f.slackAPI.Requests()[before:]
	if len(after) != 1 {
		t.Fatalf("%d Slack calls after Retry, want one private note", len(after))
	}
	var note map[string]any
	after[0].JSON(t, &note)
	raw := string(after[0].Body)
	if note["response_type"] != "ephemeral" || note["replace_original"] == true || !strings.Contains(raw, "delete incidents (2)") ||
		!strings.Contains(raw, "inc-2") || strings.Contains(raw, "inc-1`") || actionIDs(raw)["confirm"] == "" {
		t.Errorf("Retry answered %s, want a private confirmation of inc-2 and inc-3 that leaves the result", raw)
	}
	if calls.Load() != 1 {
		t.Errorf("Retry called SecMaster before its confirmation")
	}
}

// Where Slack refuses the file (an app installed before files:write), the
// same list goes into the result's thread as text, within Block Kit's
// limits, escaped.
func TestARefusedUploadPostsEveryIDInTheThreadInstead(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{batch: 50})
	f.slackAPI.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/files.getUploadURLExternal") {
			vendortest.Reply(w, 200, map[string]any{"ok": false, "error": "missing_scope"})
			return
		}
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C-WAR", "ts": "1700000000.000100"})
	})
	var calls atomic.Int32
	f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00040001", "message": "<!channel> *internal* error"})
			return
		}
		vendortest.SecMasterEcho(w, r)
	})
	ids := uuids(200)
	_, body := f.slash(t, "U-ALICE", "delete "+strings.Join(ids, " "))
	f.click(t, "U-ALICE", actionIDs(body)["confirm"])
	f.adapter.Wait()

	var thread []string
	for _, r := range f.slackAPI.Requests() {
		if !strings.HasSuffix(r.Path, "/chat.postMessage") {
			continue
		}
		form, _ := url.ParseQuery(string(r.Body))
		if form.Get("thread_ts") != "1700000000.000100" {
			continue
		}
		var blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		}
		if err := json.Unmarshal([]byte(form.Get("blocks")), &blocks); err != nil {
			t.Fatal(err)
		}
		if len(blocks) > 50 {
			t.Errorf("%d blocks in one message", len(blocks))
		}
		for _, b := range blocks {
			if b.Text != nil {
				if utf8.RuneCountInString(b.Text.Text) > 3000 {
					t.Errorf("a section of %d characters", utf8.RuneCountInString(b.Text.Text))
				}
				thread = append(thread, b.Text.Text)
			}
		}
	}
	all := strings.Join(thread, "\n")
	for _, id := range ids {
		if !strings.Contains(all, id) {
			t.Fatalf("%s is not in the thread:\n%.500s", id, all)
		}
	}
	if strings.Contains(all, "<!channel>") || !strings.Contains(all, "&lt;!channel&gt;") {
		t.Errorf("the vendor's text is not escaped:\n%.800s", all)
	}
}

// Check on Slack: two private notes through the button's response_url
// ("looking up", then what the vendor says), the result left as it is.
func TestCheckOnSlackAnswersPrivately(t *testing.T) {
	faults, err := sandbox.ParseFaults("secmaster.delete=500*1")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(faults))
	t.Cleanup(sb.Close)
	f := newFixtureWith(t, fixtureOptions{batch: 1, options: []func(*fixture, *bot.Options){func(f *fixture, o *bot.Options) {
		sm, err := secmaster.New(secmaster.Config{Settings: huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p",
			Endpoint: f.secmaster.URL, Timeout: 5 * time.Second}, WorkspaceID: "w"})
		if err != nil {
			t.Fatal(err)
		}
		o.Lookup = lookup.New(lookup.Config{SecMaster: sm})
	}}})
	f.secmaster.SetHandler(sb.Handler().ServeHTTP)
	_, body := f.slash(t, "U-ALICE", "delete inc-1001 inc-1002 inc-1003")
	f.click(t, "U-ALICE", actionIDs(body)["confirm"])
	f.adapter.Wait()
	var checkID string
	for _, r := range f.slackAPI.Requests() {
		if id := actionIDs(string(r.Body))["check"]; id != "" {
			checkID = id
		}
	}
	if checkID == "" {
		t.Fatal("no Check on the result")
	}
	before := len(f.slackAPI.Requests())
	f.click(t, "U-BOB", checkID)
	f.adapter.Wait()
	after := f.slackAPI.Requests()[before:]
	if len(after) != 2 {
		t.Fatalf("%d Slack calls after Check, want two private notes", len(after))
	}
	for i, want := range []string{"Looking up 1 ID(s)", "Still exist (not deleted) (1)"} {
		var note map[string]any
		after[i].JSON(t, &note)
		if note["response_type"] != "ephemeral" || note["replace_original"] == true || !strings.Contains(string(after[i].Body), want) {
			t.Errorf("note %d = %s, want a private %q", i+1, after[i].Body, want)
		}
	}
}
