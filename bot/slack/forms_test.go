package slack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// viewState builds a submitted view's state from block -> value; values of
// select and radio blocks go in selected_option.
func viewState(values map[string]string) map[string]any {
	state := map[string]any{}
	for block, v := range values {
		switch block {
		case "level", "type", "source", "interrupted", "result":
			state[block] = map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
		default:
			state[block] = map[string]any{"value": map[string]any{"type": "plain_text_input", "value": v}}
		}
	}
	return map[string]any{"values": state}
}

func (f *fixture) submitView(t *testing.T, callbackID, metadata string, values map[string]string, blocks []any) (int, string) {
	return f.interact(t, map[string]any{
		"type": "view_submission", "user": map[string]string{"id": "U-ALICE", "name": "alice"},
		"view": map[string]any{"callback_id": callbackID, "private_metadata": metadata, "state": viewState(values), "blocks": blocks},
	})
}

func TestCreateModalRoundTrip(t *testing.T) {
	f := newFixture(t)

	// 1. "/incident create" opens the form with the trigger ID.
	status, body := f.slash(t, "U-ALICE", "create")
	if status != 200 || body != "" {
		t.Fatalf("ack = %d %q, want an empty 200", status, body)
	}
	var opened []map[string]any
	for _, r := range f.slackAPI.Requests() {
		if r.Path == "/api/views.open" {
			var m map[string]any
			r.JSON(t, &m)
			opened = append(opened, m)
		}
	}
	if len(opened) != 1 || opened[0]["trigger_id"] != "trigger-1" {
		t.Fatalf("views.open calls = %v", opened)
	}
	view := opened[0]["view"].(map[string]any)
	if view["callback_id"] != "incident:create" || view["private_metadata"] != `{"channel":"C-WAR"}` || view["type"] != "modal" ||
		view["title"].(map[string]any)["text"] != "Create incident" {
		t.Fatalf("view = %v", view)
	}
	maxLen := map[string]float64{}
	var blocks []any
	for _, b := range view["blocks"].([]any) {
		block := b.(map[string]any)
		blocks = append(blocks, block)
		el := block["element"].(map[string]any)
		if ml, ok := el["max_length"].(float64); ok {
			maxLen[block["block_id"].(string)] = ml
		}
		if opts, ok := el["options"].([]any); ok && len(opts) > 25 {
			t.Errorf("%s has %d options; Slack allows 25", block["block_id"], len(opts))
		}
	}
	if maxLen["title"] != 200 || maxLen["description"] != 600 {
		t.Errorf("max lengths = %v, want title 200 and description 600", maxLen)
	}

	// 2. A submission breaking the one-owner rule is answered on that field.
	valid := map[string]string{"title": "DB down", "description": "primary gone", "level": "level_20", "type": "inc_type_p_reliability_issues",
		"source": "incident_source_manual", "interrupted": "yes", "app": "app-1", "assignee": "u-1"}
	invalid := map[string]string{"scene": "night-shift"}
	for k, v := range valid {
		invalid[k] = v
	}
	status, body = f.submitView(t, "incident:create", `{"channel":"C-WAR"}`, invalid, blocks)
	var answer struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil || status != 200 || answer.ResponseAction != "errors" || !strings.Contains(answer.Errors["assignee"], "not both") {
		t.Fatalf("invalid submission answer = %d %s", status, body)
	}
	if len(f.coc.Requests()) != 0 {
		t.Fatal("an invalid form reached COC")
	}

	// 3. A valid one closes the form, creates the ticket and posts the card.
	status, body = f.submitView(t, "incident:create", `{"channel":"C-WAR"}`, valid, blocks)
	if status != 200 || body != "" {
		t.Fatalf("valid submission answer = %d %q, want an empty 200", status, body)
	}
	f.adapter.Wait()
	creates := f.coc.Requests()
	if len(creates) != 1 || creates[0].Path != "/v1/external/incident/create" {
		t.Fatalf("COC requests = %+v", creates)
	}
	var sent map[string]any
	creates[0].JSON(t, &sent)
	if sent["incident_title"] != "DB down" || sent["incident_level"] != "level_20" || sent["creator"] != "op" {
		t.Errorf("COC got %v", sent)
	}
	card := f.chatPost(t, "/api/chat.postMessage")
	if card.Get("channel") != "C-WAR" || !strings.Contains(card.Get("blocks"), "Incident IM202611220042: DB down") || !strings.Contains(card.Get("blocks"), `"action_id":"form:verify:IM202611220042"`) {
		t.Fatalf("card = %v", card)
	}
}

func TestVerifyButtonOpensAFormThatVerifies(t *testing.T) {
	f := newFixture(t)
	f.click(t, "U-BOB", "form:verify:IM202611220042")
	var meta string
	for _, r := range f.slackAPI.Requests() {
		if r.Path == "/api/views.open" {
			var m struct {
				View struct {
					CallbackID      string `json:"callback_id"`
					PrivateMetadata string `json:"private_metadata"`
				} `json:"view"`
			}
			r.JSON(t, &m)
			if m.View.CallbackID != "incident:verify" {
				t.Fatalf("opened %s", m.View.CallbackID)
			}
			meta = m.View.PrivateMetadata
		}
	}
	if !strings.Contains(meta, `"ticket":"IM202611220042"`) || !strings.Contains(meta, `"channel":"C-WAR"`) {
		t.Fatalf("private_metadata = %q", meta)
	}
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"provider_code":"049","error_code":"GOM.00000000","error_msg":null,"data":null}`))
	})
	if status, body := f.submitView(t, "incident:verify", meta, map[string]string{"result": "fail", "comment": "5xx are back"}, nil); status != 200 || body != "" {
		t.Fatalf("submit = %d %s", status, body)
	}
	f.adapter.Wait()
	var handled map[string]any
	f.coc.Requests()[0].JSON(t, &handled)
	params, _ := handled["parameter"].(map[string]any)
	if handled["incident_num"] != "IM202611220042" || handled["operate_key"] != "confirm" || params["virtual_confirm_result"] != false || params["virtual_confirm_comment"] != "5xx are back" {
		t.Fatalf("COC handle body = %v", handled)
	}
	// The card the button was on is updated in place with the step.
	posts := f.posted(t, "/response/click-U-BOB")
	raw, _ := json.Marshal(posts)
	if len(posts) != 1 || posts[0]["replace_original"] != true || !strings.Contains(string(raw), "verification failed") {
		t.Fatalf("card update = %s", raw)
	}
}

// A vendor's refusal after a form closed goes to the submitter only, with
// the vendor's code and message.
func TestFormVendorErrorGoesOnlyToTheSubmitter(t *testing.T) {
	f := newFixture(t)
	f.coc.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"provider_code":"049","error_code":"COC.00040007","error_msg":"application app-1 does not exist"}`))
	})
	valid := map[string]string{"title": "t", "description": "d", "level": "level_10", "type": "inc_type_p_security_issues",
		"interrupted": "no", "app": "app-1", "assignee": "u"}
	f.submitView(t, "incident:create", `{"channel":"C-WAR"}`, valid, nil)
	f.adapter.Wait()
	eph := f.chatPost(t, "/api/chat.postEphemeral")
	if eph.Get("user") != "U-ALICE" || !strings.Contains(eph.Get("blocks"), "COC.00040007") || !strings.Contains(eph.Get("blocks"), "application app-1 does not exist") {
		t.Fatalf("ephemeral = %v", eph)
	}
	if len(f.posted(t, "/api/chat.postMessage")) != 0 {
		t.Fatal("a failure was posted to the whole channel")
	}
}

// chatPost returns the form of the last Web API call to path.
func (f *fixture) chatPost(t *testing.T, path string) url.Values {
	t.Helper()
	var last url.Values
	for _, r := range f.slackAPI.Requests() {
		if r.Path == path {
			last, _ = url.ParseQuery(string(r.Body))
		}
	}
	if last == nil {
		t.Fatalf("no call to %s", path)
	}
	return last
}
