package discord_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A 200-ID delete whose first call fails: the channel's result shows the
// counts and first IDs, carries every ID by outcome as a text file (the
// multipart follow-up Discord's API specification describes), and offers
// Retry and Check; Retry asks a new, private confirmation.
func TestAPartialResultCarriesEveryIDAsATextFileAndOffersRetry(t *testing.T) {
	f := newFixture(t)
	f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00040001", "message": "internal error"})
	})
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08d-1111-2222-3333-444444444444", i)
	}
	_, resp := f.send(t, slash("i1", "U-ALICE", "delete", map[string]any{"ids": strings.Join(ids[:150], " "), "more_ids": strings.Join(ids[150:], " ")}), nil)
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	f.send(t, click("i2", "U-ALICE", confirmID), nil)
	f.adapter.Wait()

	posts := f.rest(http.MethodPost, "/webhooks/app-1/tok-i2")
	if len(posts) != 1 {
		t.Fatalf("%d follow-ups, want the one public result", len(posts))
	}
	mt, params, err := mime.ParseMediaType(posts[0].Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("follow-up Content-Type %q: want multipart/form-data", posts[0].Header.Get("Content-Type"))
	}
	parts := map[string][]byte{}
	mr := multipart.NewReader(bytes.NewReader(posts[0].Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		parts[p.FormName()] = body
		if p.FormName() == "files[0]" && p.FileName() != "delete-outcomes.txt" {
			t.Errorf("file name %q", p.FileName())
		}
	}
	var payload struct {
		Embeds []struct {
			Description string `json:"description"`
		} `json:"embeds"`
		Attachments []struct {
			ID       string `json:"id"`
			Filename string `json:"filename"`
		} `json:"attachments"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
				Label    string `json:"label"`
			} `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(parts["payload_json"], &payload); err != nil {
		t.Fatalf("payload_json: %v\n%s", err, parts["payload_json"])
	}
	if len(payload.Attachments) != 1 || payload.Attachments[0].ID != "0" || payload.Attachments[0].Filename != "delete-outcomes.txt" {
		t.Errorf("attachments = %+v, want id 0 naming the file", payload.Attachments)
	}
	file := string(parts["files[0]"])
	if strings.Count(file, "-1111-2222-") != 200 || !strings.Contains(file, "Not attempted (safe to retry) (100)") {
		t.Errorf("the file does not hold every ID by outcome:\n%s", file)
	}
	if d := payload.Embeds[0].Description; !strings.Contains(d, "Outcome unknown (100, first 10)") || !strings.Contains(d, "Not attempted (100, first 10)") {
		t.Errorf("description = %s", d)
	}
	var retryID string
	labels := []string{}
	for _, row := range payload.Components {
		for _, c := range row.Components {
			labels = append(labels, c.Label)
			if strings.HasPrefix(c.CustomID, "retry:") {
				retryID = c.CustomID
			}
		}
	}
	if strings.Join(labels, "|") != "Retry 100 not attempted|Check 100 unknown" {
		t.Fatalf("buttons = %q", labels)
	}

	before := f.deletes()
	_, resp = f.send(t, click("i3", "U-BOB", retryID), nil)
	data := resp["data"].(map[string]any)
	raw, _ := json.Marshal(data)
	if resp["type"] != float64(4) || data["flags"] != float64(64) || !strings.Contains(string(raw), "delete incidents (100)") ||
		!strings.Contains(string(raw), ids[100]) || strings.Contains(string(raw), ids[0]) {
		t.Errorf("retry = %s, want a private confirmation of the 100 not attempted", raw)
	}
	f.adapter.Wait()
	if f.deletes() != before {
		t.Error("Retry called the vendor before a confirmation")
	}
}

// Check on Discord: a private "looking up" at once, then a private
// follow-up with what the vendor says of each unknown ID; the result's
// message is left as it is, and the button works once.
func TestCheckOnDiscordAnswersPrivatelyWithWhatTheVendorSays(t *testing.T) {
	faults, err := sandbox.ParseFaults("secmaster.delete=500*1")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(faults))
	t.Cleanup(sb.Close)
	reads := vendortest.New(t, sb.Handler().ServeHTTP)
	sm, err := secmaster.New(secmaster.Config{Settings: huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p",
		Endpoint: reads.URL, Timeout: 5 * time.Second}, WorkspaceID: "w"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureWith(t, 1, 0, nil, func(o *bot.Options) { o.Lookup = lookup.New(lookup.Config{SecMaster: sm}) })
	f.secmaster.SetHandler(sb.Handler().ServeHTTP)

	_, resp := f.send(t, slash("i1", "U-ALICE", "delete", map[string]any{"ids": "inc-1001 inc-1002 inc-1003"}), nil)
	var confirmID string
	for id := range buttons(resp["data"].(map[string]any)) {
		if strings.HasPrefix(id, "confirm:") {
			confirmID = id
		}
	}
	f.send(t, click("i2", "U-ALICE", confirmID), nil)
	f.adapter.Wait()
	var checkID string
	for _, p := range f.rest(http.MethodPost, "/webhooks/app-1/tok-i2") {
		var m map[string]any
		if json.Unmarshal(p.Body, &m) == nil {
			for id := range buttons(m) {
				if strings.HasPrefix(id, "check:") {
					checkID = id
				}
			}
		}
	}
	if checkID == "" {
		t.Fatalf("no Check on the result: %v", f.rest(http.MethodPost, "/webhooks/app-1/tok-i2"))
	}
	_, resp = f.send(t, click("i3", "U-BOB", checkID), nil)
	f.adapter.Wait()
	data := resp["data"].(map[string]any)
	if resp["type"] != float64(4) || data["flags"] != float64(64) {
		t.Errorf("Check answered %v, want a private note at once", resp)
	}
	posts := f.rest(http.MethodPost, "/webhooks/app-1/tok-i3")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), "Still exist (not deleted) (1)") || !strings.Contains(string(posts[0].Body), "inc-1001") ||
		!strings.Contains(string(posts[0].Body), `"flags":64`) {
		t.Fatalf("the check's answer = %v", posts)
	}
	if edits := f.rest(http.MethodPatch, "/webhooks/app-1/tok-i3"); len(edits) != 0 {
		t.Errorf("Check edited the result's message: %v", edits)
	}
	if _, again := f.send(t, click("i4", "U-BOB", checkID), nil); !strings.Contains(fmt.Sprint(again), "already used") {
		t.Errorf("a second Check = %v", again)
	}
}
