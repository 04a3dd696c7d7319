package secmaster_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func found(objects ...map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var data []any
		for _, o := range objects {
			data = append(data, map[string]any{"id": o["id"], "update_time": "2026-11-22T07:00:00.000+08:00", "data_object": o})
		}
		if data == nil {
			data = []any{}
		}
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "message": "", "total": len(data), "size": len(data), "page": 1, "success": true, "data": data})
	}
}

func TestIncidentsSendsOneSearchWithAnIDCondition(t *testing.T) {
	srv := vendortest.New(t, found(map[string]any{"id": "inc-1", "title": "Brute force on bastion", "severity": "High", "handle_status": "Open",
		"owner": "alice", "update_time": "2026-11-22T15:04:05.000+08:00", "source_url": "https://console.example/inc-1"}))
	got := newClient(t, srv.URL, 100).Incidents(context.Background(), []string{"inc-1", "inc-9"})
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want one search for both IDs", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v1/proj-1/workspaces/ws-1/soc/incidents/search" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	var body map[string]any
	r.JSON(t, &body)
	want := map[string]any{"limit": float64(2), "offset": float64(0), "condition": map[string]any{
		"conditions": []any{map[string]any{"name": "id1", "data": []any{"id", "=", "inc-1"}}, map[string]any{"name": "id2", "data": []any{"id", "=", "inc-9"}}},
		"logics":     []any{"id1", "or", "id2"},
	}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant   %v", body, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "SDK-HMAC-SHA256 Access=AKTEST,") || r.Header.Get("X-Sdk-Date") == "" || r.Header.Get("X-Project-Id") != "proj-1" {
		t.Errorf("not signed as the SDK signs: Authorization %q", auth)
	}
	wantInc := vendors.Incident{Vendor: "SecMaster", ID: "inc-1", Title: "Brute force on bastion", Severity: "High", Status: "Open", Owners: []string{"alice"},
		Updated: time.Date(2026, 11, 22, 7, 4, 5, 0, time.UTC), Link: "https://console.example/inc-1"}
	if got[0].Presence != vendors.Found || !got[0].Item.Updated.Equal(wantInc.Updated) {
		t.Fatalf("inc-1 = %+v", got[0])
	}
	got[0].Item.Updated = wantInc.Updated
	if !reflect.DeepEqual(got[0].Item, wantInc) {
		t.Errorf("inc-1 = %+v\nwant    %+v", got[0].Item, wantInc)
	}
	// A complete answer that does not hold inc-9 says it does not exist.
	if got[1].Presence != vendors.NotFound || got[1].ID != "inc-9" {
		t.Errorf("inc-9 = %+v", got[1])
	}
}

// If SecMaster ignored the condition it would return other incidents; the
// IDs asked for are then not known to be missing.
func TestAnIgnoredConditionIsNotReadAsNotFound(t *testing.T) {
	srv := vendortest.New(t, found(map[string]any{"id": "inc-other", "title": "t"}))
	got := newClient(t, srv.URL, 100).Incidents(context.Background(), []string{"inc-1"})
	if got[0].Presence != vendors.CouldNotLookUp || !strings.Contains(vendors.LookupReason(got[0].Err), "was not asked for") {
		t.Fatalf("lookup = %+v", got[0])
	}
}

func TestACutShortAnswerIsNotReadAsNotFound(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "total": 2, "data": []any{map[string]any{"id": "inc-1", "data_object": map[string]any{"id": "inc-1"}}}})
	})
	got := newClient(t, srv.URL, 100).Incidents(context.Background(), []string{"inc-1", "inc-2"})
	if got[0].Presence != vendors.Found || got[1].Presence != vendors.CouldNotLookUp {
		t.Fatalf("lookups = %+v", got)
	}
}

func TestAFailureCodeIn200IsCouldNotLookUpWithTheCode(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"code": "SecMaster.20010001", "message": "workspace not found"})
	})
	got := newClient(t, srv.URL, 100).Incidents(context.Background(), []string{"inc-1"})
	if got[0].Presence != vendors.CouldNotLookUp || vendors.LookupReason(got[0].Err) != "SecMaster answered HTTP 200: SecMaster.20010001: workspace not found (request req-test-1)" {
		t.Fatalf("lookup = %+v (%s)", got[0], vendors.LookupReason(got[0].Err))
	}
}

func TestLookupsAreBatchedByFifty(t *testing.T) {
	srv := vendortest.New(t, found())
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = "inc-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	got := newClient(t, srv.URL, 100).Incidents(context.Background(), ids)
	if len(got) != 120 || len(srv.Requests()) != 3 {
		t.Fatalf("%d answers from %d requests, want 120 from 3", len(got), len(srv.Requests()))
	}
}

func TestListIncidentsSendsSortConditionAndPage(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "total": 40, "data": []any{map[string]any{"id": "inc-1", "data_object": map[string]any{"id": "inc-1", "title": "db export"}}}})
	})
	c := newClient(t, srv.URL, 100)
	p, err := c.ListIncidents(context.Background(), vendors.ListQuery{Severity: []string{"High", "Fatal"}, Assignee: "alice", Limit: 10, Cursor: "20"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 40 || p.Next != "21" || len(p.Items) != 1 || p.Items[0].Title != "db export" {
		t.Fatalf("page = %+v", p)
	}
	var body map[string]any
	srv.Requests()[0].JSON(t, &body)
	want := map[string]any{"limit": float64(10), "offset": float64(20), "sort_by": "create_time", "order": "DESC", "condition": map[string]any{
		"conditions": []any{
			map[string]any{"name": "handle_status1", "data": []any{"handle_status", "=", "Open"}},
			map[string]any{"name": "severity2", "data": []any{"severity", "=", "High"}},
			map[string]any{"name": "severity3", "data": []any{"severity", "=", "Fatal"}},
			map[string]any{"name": "owner4", "data": []any{"owner", "=", "alice"}},
		},
		"logics": []any{"handle_status1", "and", "(", "severity2", "or", "severity3", ")", "and", "owner4"},
	}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant   %v", body, want)
	}
	if _, err := c.ListIncidents(context.Background(), vendors.ListQuery{Cursor: "not-a-number"}); err == nil {
		t.Error("a forged cursor was sent")
	}
}

func TestLinkedAlertsAndAlertsSendTheirSearches(t *testing.T) {
	srv := vendortest.New(t, found(map[string]any{"id": "alert-1", "title": "SSH brute force", "severity": "High", "handle_status": "Open", "incident_list": []string{"inc-1"}}))
	c := newClient(t, srv.URL, 100)
	p, err := c.LinkedAlerts(context.Background(), "inc-1", vendors.ListQuery{})
	if err != nil || len(p.Items) != 1 || p.Items[0].Title != "SSH brute force" || !reflect.DeepEqual(p.Items[0].Incidents, []string{"inc-1"}) {
		t.Fatalf("linked = %+v, %v", p, err)
	}
	a := c.Alerts(context.Background(), []string{"alert-1"})
	if a[0].Presence != vendors.Found {
		t.Fatalf("alert = %+v", a[0])
	}
	reqs := srv.Requests()
	if reqs[0].Method != http.MethodPost || reqs[0].Path != "/v1/proj-1/workspaces/ws-1/soc/incidents/inc-1/alerts/search" {
		t.Errorf("relations = %s %s", reqs[0].Method, reqs[0].Path)
	}
	var body map[string]any
	reqs[0].JSON(t, &body)
	if !reflect.DeepEqual(body, map[string]any{"limit": float64(25), "offset": float64(0)}) {
		t.Errorf("relations body = %v", body)
	}
	if reqs[1].Path != "/v1/proj-1/workspaces/ws-1/soc/alerts/search" {
		t.Errorf("alerts = %s %s", reqs[1].Method, reqs[1].Path)
	}
}

func TestUntrustworthyAnswersAreCouldNotLookUp(t *testing.T) {
	for name, h := range vendortest.Misbehaviours() {
		t.Run(name, func(t *testing.T) {
			srv := vendortest.New(t, h)
			c, err := secmaster.New(secmaster.Config{Settings: huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p", Endpoint: srv.URL, Timeout: 300 * time.Millisecond}, WorkspaceID: "w"})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range c.Incidents(context.Background(), []string{"inc-1"}) {
				if l.Presence != vendors.CouldNotLookUp || vendors.LookupReason(l.Err) == "" {
					t.Fatalf("incident = %+v", l)
				}
			}
			if a := c.Alerts(context.Background(), []string{"alert-1"}); a[0].Presence != vendors.CouldNotLookUp {
				t.Fatalf("alert = %+v", a[0])
			}
			if _, err := c.ListIncidents(context.Background(), vendors.ListQuery{}); err == nil {
				t.Error("list read an untrustworthy answer")
			}
			if _, err := c.LinkedAlerts(context.Background(), "inc-1", vendors.ListQuery{}); err == nil {
				t.Error("linked alerts read an untrustworthy answer")
			}
		})
	}
}

func TestAHostileIncidentIDIsNotPutInThePath(t *testing.T) {
	srv := vendortest.New(t, nil)
	if _, err := newClient(t, srv.URL, 100).LinkedAlerts(context.Background(), "../../incidents", vendors.ListQuery{}); err == nil || len(srv.Requests()) != 0 {
		t.Fatalf("err = %v, %d requests", err, len(srv.Requests()))
	}
}
