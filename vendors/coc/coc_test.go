package coc_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func newClient(t *testing.T, url string) *coc.Client {
	t.Helper()
	c, err := coc.New(huaweicloud.Settings{AccessKey: "AKTEST", SecretKey: "SKSECRET", DomainID: "dom-1", Endpoint: url, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var created = map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": map[string]string{"incident_num": "IM202403221515060171753781"}}

func TestCreateIncidentSendsEveryField(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, created) })
	receipt, err := newClient(t, srv.URL).CreateIncident(context.Background(), vendors.NewIncident{
		Title: "DB down", Description: "primary unreachable", Level: "level_20", Type: "inc_type_p_reliability_issues",
		Source: "incident_source_manual", ApplicationID: "app-1", ServiceInterrupt: true, Assignee: "user-7",
		Region: "cn-north-4", EnterpriseProject: "ep-1", Creator: "creator-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if receipt.ID != "IM202403221515060171753781" {
		t.Fatalf("ticket = %q", receipt.ID)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodPost || r.Path != "/v1/external/incident/create" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	var body map[string]any
	r.JSON(t, &body)
	want := map[string]any{
		"region": []any{"cn-north-4"}, "enterprise_project": []any{"ep-1"}, "current_cloud_service": []any{"app-1"},
		"incident_level": "level_20", "is_service_interrupt": "true", "incident_type": "inc_type_p_reliability_issues",
		"incident_title": "DB down", "incident_description": "primary unreachable", "incident_source": "incident_source_manual",
		"incident_assignee": []any{"user-7"}, "creator": "creator-1",
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant   %v", body, want)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=AKTEST,") {
		t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}
	if r.Header.Get("X-Domain-Id") != "dom-1" {
		t.Errorf("X-Domain-Id = %q", r.Header.Get("X-Domain-Id"))
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
}

func TestCreateIncidentWithSceneAndRole(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, created) })
	_, err := newClient(t, srv.URL).CreateIncident(context.Background(), vendors.NewIncident{
		Title: "t", Description: "d", Level: "level_50", Type: "inc_type_p_security_issues", Source: "incident_source_alarm",
		ApplicationID: "app-1", Scene: "scene-1", Role: "role-1", Creator: "c",
	})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	srv.Requests()[0].JSON(t, &body)
	if body["assignee_scene"] != "scene-1" || body["assignee_role"] != "role-1" || body["is_service_interrupt"] != "false" {
		t.Errorf("body = %v", body)
	}
	for _, absent := range []string{"incident_assignee", "region", "enterprise_project"} {
		if _, ok := body[absent]; ok {
			t.Errorf("%s sent although not given: %v", absent, body)
		}
	}
}

func TestVerifyIncidentSendsConfirm(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": nil})
	})
	_, err := newClient(t, srv.URL).HandleIncident(context.Background(), vendors.TicketOp{Step: vendors.Verify, Ticket: "IM1", Operator: "op-1", Passed: false, Comment: "still 500s"})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodPost || r.Path != "/v1/external/incident/handle" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	var body map[string]any
	r.JSON(t, &body)
	want := map[string]any{"incident_num": "IM1", "operator": "op-1", "operate_key": "confirm",
		"parameter": map[string]any{"virtual_confirm_result": false, "virtual_confirm_comment": "still 500s"}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant   %v", body, want)
	}
}

func TestErrorShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   map[string]any
	}{
		"400":                     {400, map[string]any{"provider_code": "049", "error_code": "COC.00040002", "error_msg": "incident_title is too long"}},
		"200 with a failure code": {200, map[string]any{"provider_code": "049", "error_code": "COC.00040002", "error_msg": "incident_title is too long"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, tc.status, tc.body) })
			_, err := newClient(t, srv.URL).HandleIncident(context.Background(), vendors.TicketOp{Step: vendors.Verify, Ticket: "IM1", Operator: "op"})
			var ve *vendors.Error
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if ve.Vendor != "COC" || ve.Code != "COC.00040002" || ve.Message != "incident_title is too long" || ve.Status != tc.status {
				t.Fatalf("vendor error = %+v", ve)
			}
		})
	}
}
