package coralogix_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

const (
	idA = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	idB = "9c858901-8a57-4791-81fe-4c455b099bc9"
	idC = "11111111-2222-3333-4444-555555555555"
)

// BatchGetIncident: found ones are read from the incidents map, the ones
// in notFoundIds are not found, and one Coralogix names in neither list is
// not claimed either way.
func TestIncidentsSendsBatchGetAndReadsTheAnswer(t *testing.T) {
	srv := vendortest.New(t, onlyAt("/mgmt/openapi/5/incidents/incidents/v1", func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{
			"incidents": map[string]any{idA: map[string]any{"id": idA, "name": "Checkout 5xx", "severity": "INCIDENT_SEVERITY_CRITICAL",
				"state": "INCIDENT_STATE_TRIGGERED", "status": "INCIDENT_STATUS_ACKNOWLEDGED", "lastStateUpdateTime": "2026-11-22T07:45:00Z",
				"assignments": []any{map[string]any{"assignedTo": map[string]any{"userId": "oncall@example.com"}, "assignedBy": map[string]any{"userId": "x"}}}}},
			"notFoundIds": []string{idB},
		})
	}))
	got := newVersioned(t, srv.URL, "").Incidents(context.Background(), []string{idA, idB, idC})
	r := srv.Requests()[0]
	if r.Method != http.MethodGet || !reflect.DeepEqual(r.Query["ids"], []string{idA, idB, idC}) || len(r.Query) != 1 || len(r.Body) != 0 {
		t.Fatalf("request = %s %s %v %q", r.Method, r.Path, r.Query, r.Body)
	}
	if r.Header.Get("Authorization") != "Bearer cxkey-SECRET" {
		t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}
	want := vendors.Incident{Vendor: "Coralogix", ID: idA, Title: "Checkout 5xx", Severity: "INCIDENT_SEVERITY_CRITICAL", Status: "INCIDENT_STATUS_ACKNOWLEDGED",
		Owners: []string{"oncall@example.com"}, Updated: time.Date(2026, 11, 22, 7, 45, 0, 0, time.UTC)}
	if len(got) != 3 || got[0].Presence != vendors.Found || !reflect.DeepEqual(got[0].Item, want) {
		t.Fatalf("found = %+v", got)
	}
	if got[1].Presence != vendors.NotFound || got[1].ID != idB {
		t.Errorf("listed in notFoundIds: %+v", got[1])
	}
	if got[2].Presence != vendors.CouldNotLookUp || !strings.Contains(vendors.LookupReason(got[2].Err), "neither found nor not found") {
		t.Errorf("named in neither list: %+v", got[2])
	}
}

func TestListIncidentsSendsFilterOrderAndPagination(t *testing.T) {
	srv := vendortest.New(t, onlyAt("/mgmt/openapi/latest/incidents/incidents/v1", func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"incidents": []any{map[string]any{"id": idA, "name": "db lag", "state": "INCIDENT_STATE_TRIGGERED"}},
			"pagination": map[string]any{"nextPageToken": "tok-2", "totalSize": 31}})
	}))
	c := newVersioned(t, srv.URL, "latest")
	p, err := c.ListIncidents(context.Background(), vendors.ListQuery{Severity: []string{"INCIDENT_SEVERITY_ERROR"}, Assignee: "me@example.com", Limit: 10, Cursor: "tok-1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Next != "tok-2" || p.Total != 31 || len(p.Items) != 1 || p.Items[0].Title != "db lag" || p.Items[0].Status != "INCIDENT_STATE_TRIGGERED" {
		t.Fatalf("page = %+v", p)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %s %s, Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	var body map[string]any
	r.JSON(t, &body)
	want := map[string]any{
		"filter":     map[string]any{"state": []any{"INCIDENT_STATE_TRIGGERED"}, "severity": []any{"INCIDENT_SEVERITY_ERROR"}, "assignee": []any{"me@example.com"}},
		"orderBys":   []any{map[string]any{"incidentField": "INCIDENTS_FIELDS_CREATED_TIME", "direction": "ORDER_BY_DIRECTION_DESC"}},
		"pagination": map[string]any{"pageSize": float64(10), "pageToken": "tok-1"},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant   %v", body, want)
	}
	// A status asked for replaces the default "open" state filter.
	if _, err := c.ListIncidents(context.Background(), vendors.ListQuery{Status: []string{"INCIDENT_STATUS_RESOLVED"}}); err != nil {
		t.Fatal(err)
	}
	srv.Requests()[1].JSON(t, &body)
	if f := body["filter"].(map[string]any); f["state"] != nil || !reflect.DeepEqual(f["status"], []any{"INCIDENT_STATUS_RESOLVED"}) {
		t.Errorf("filter = %v", f)
	}
}

// No answer a client cannot trust reads as "not found".
func TestUntrustworthyAnswersAreCouldNotLookUp(t *testing.T) {
	for name, h := range vendortest.Misbehaviours() {
		t.Run(name, func(t *testing.T) {
			srv := vendortest.New(t, h)
			c, _ := coralogix.New(coralogix.Config{Endpoint: srv.URL, APIKey: "k", Timeout: 300 * time.Millisecond})
			got := c.Incidents(context.Background(), []string{idA, idB})
			for _, l := range got {
				if l.Presence != vendors.CouldNotLookUp || l.Err == nil {
					t.Fatalf("lookup = %+v, want could not look up", l)
				}
			}
			if reason := vendors.LookupReason(got[0].Err); reason == "" || len(reason) > 400 || strings.Contains(reason, "<p>") {
				t.Errorf("reason = %q", reason)
			}
			if _, err := c.ListIncidents(context.Background(), vendors.ListQuery{}); err == nil {
				t.Errorf("list read an untrustworthy answer as a page")
			}
		})
	}
	// A 2xx without the documented map is not an answer about any ID.
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, map[string]any{}) })
	c, _ := coralogix.New(coralogix.Config{Endpoint: srv.URL, APIKey: "k", Timeout: time.Second})
	if got := c.Incidents(context.Background(), []string{idA}); got[0].Presence != vendors.CouldNotLookUp {
		t.Fatalf("{} read as %v", got[0].Presence)
	}
}

func TestARefusalKeepsTheVendorsCodeAndRequestID(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 403, map[string]any{"code": 7, "message": "missing permission incidents:read"})
	})
	got := newVersioned(t, srv.URL, "").Incidents(context.Background(), []string{idA})
	var ve *vendors.Error
	if got[0].Presence != vendors.CouldNotLookUp || !errors.As(got[0].Err, &ve) || ve.Code != "7" || ve.RequestID != "req-test-1" {
		t.Fatalf("lookup = %+v", got[0])
	}
	if r := vendors.LookupReason(got[0].Err); r != "Coralogix answered HTTP 403: 7: missing permission incidents:read (request req-test-1)" {
		t.Errorf("reason = %q", r)
	}
}

func TestUnassignCasesSendsBulkUnassign(t *testing.T) {
	srv := vendortest.New(t, onlyAt("/mgmt/openapi/5/cases/assigned/v1", func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"cases": []any{
			map[string]any{"id": idA, "readableId": "CASE-1", "title": "t"},
			map[string]any{"id": idB, "readableId": "CASE-2", "title": "t", "assignee": map[string]any{"userId": "u-9"}},
		}})
	}))
	res, err := newVersioned(t, srv.URL, "5").UnassignCases(context.Background(), []string{"CASE-1", idB, "CASE-3"})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodDelete || !reflect.DeepEqual(r.Query["ids"], []string{"CASE-1", idB, "CASE-3"}) || len(r.Body) != 0 {
		t.Fatalf("request = %s %s %v", r.Method, r.Path, r.Query)
	}
	outcomes := []vendors.Outcome{res.Items[0].Outcome, res.Items[1].Outcome, res.Items[2].Outcome}
	if !reflect.DeepEqual(outcomes, []vendors.Outcome{vendors.Done, vendors.Refused, vendors.Unknown}) || !strings.Contains(res.Items[1].Message, "u-9") {
		t.Fatalf("result = %+v", res)
	}
}
