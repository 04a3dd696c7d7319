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
