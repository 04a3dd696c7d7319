package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

func start(t *testing.T) string {
	t.Helper()
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("sandbox serves on %s, want loopback", url)
	}
	return url
}

func settings(url string) huaweicloud.Settings {
	return huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p", DomainID: "d", Endpoint: url, Timeout: 5 * time.Second}
}

func TestSecMasterListsUnknownIDsInErrorIDs(t *testing.T) {
	url := start(t)
	sm, _ := secmaster.New(secmaster.Config{Settings: settings(url), WorkspaceID: "w", BatchSize: 100})
	res, err := sm.DeleteIncidents(context.Background(), []string{"inc-1001", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.IDs(vendors.Done), []string{"inc-1001"}) || !reflect.DeepEqual(res.IDs(vendors.Refused), []string{"nope"}) {
		t.Fatalf("result = %+v", res)
	}
	res, _ = sm.DeleteIncidents(context.Background(), []string{"inc-1001"})
	if len(res.IDs(vendors.Refused)) != 1 {
		t.Fatalf("deleting twice succeeded twice: %+v", res)
	}
	res, _ = sm.CancelAssociation(context.Background(), vendors.Association{DataClass: "incidents", ObjectID: "inc-1001", RelatedDataClass: "alerts"}, []string{"alert-2001", "alert-9"})
	if !reflect.DeepEqual(res.IDs(vendors.Done), []string{"alert-2001"}) || len(res.IDs(vendors.Refused)) != 1 {
		t.Fatalf("unlink result = %+v", res)
	}
}

func TestInvalidRequestsGet400Bodies(t *testing.T) {
	url := start(t)
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/v1/external/incident/create", `{"incident_title":"t"}`, `"error_code":"COC.00040002"`},
		{"DELETE", "/v1/p/workspaces/w/soc/incidents", `{}`, `"code":"SecMaster.00040001"`},
		{"DELETE", "/mgmt/openapi/latest/incidents/incidents/v1/by-user", ``, `"code":3`},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
		req.Header.Set("X-Auth-Token", "token") // the pages' own auth style
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		if strings.HasPrefix(tc.path, "/mgmt") {
			req.Header.Set("Authorization", "Bearer k")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, raw)
		}
	}
}

func TestCOCAndCoralogixRoundTrips(t *testing.T) {
	url := start(t)
	c, _ := coc.New(settings(url))
	receipt, err := c.CreateIncident(context.Background(), vendors.NewIncident{Title: "t", Description: "d", Level: "level_10", Type: "inc_type_p_security_issues",
		Source: "incident_source_manual", ApplicationID: "a", Assignee: "u", Creator: "c"})
	num := receipt.ID
	if err != nil || !strings.HasPrefix(num, "IM") {
		t.Fatalf("create = %q, %v", num, err)
	}
	_, err = c.HandleIncident(context.Background(), vendors.TicketOp{Step: vendors.Verify, Ticket: num, Operator: "o", Passed: true, Comment: "ok"})
	var early *vendors.Error
	if !errors.As(err, &early) || early.Code != "COC.00060002" {
		t.Fatalf("verify a ticket just created: %v, want COC.00060002 (wrong state)", err)
	}
	// A responder reads the step, not COC's operate_key ("confirm").
	if want := "it can be verified only when it is solution_submitted"; !strings.Contains(early.Message, want) {
		t.Fatalf("out-of-order message %q lacks %q", early.Message, want)
	}
	for _, op := range []vendors.TicketOp{
		{Step: vendors.Accept, Ticket: num, Operator: "o"},
		{Step: vendors.Resolve, Ticket: num, Operator: "o", Type: "inc_type_p_security_issues", ServiceInterrupt: true, Cause: "c", Solution: "s"},
		{Step: vendors.Verify, Ticket: num, Operator: "o", Passed: true, Comment: "ok"},
	} {
		if r, err := c.HandleIncident(context.Background(), op); err != nil || r.RequestID == "" {
			t.Fatalf("step %d: %+v, %v", op.Step, r, err)
		}
	}
	if _, err := c.HandleIncident(context.Background(), vendors.TicketOp{Step: vendors.Verify, Ticket: sandbox.DemoSolvedTicket, Operator: "o", Passed: true, Comment: "ok"}); err != nil {
		t.Fatalf("the demo ticket verifies at once: %v", err)
	}
	_, err = c.HandleIncident(context.Background(), vendors.TicketOp{Step: vendors.Verify, Ticket: "IM-none", Operator: "o", Passed: true})
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Code != "COC.00060001" {
		t.Fatalf("verify unknown ticket: %v", err)
	}

	cx, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", Timeout: 5 * time.Second})
	res, err := cx.UnassignIncidents(context.Background(), []string{"cx-3001", "cx-9"})
	if err != nil || !reflect.DeepEqual(res.IDs(vendors.Done), []string{"cx-3001"}) || len(res.Items) != 2 || res.Items[1].Outcome == vendors.Done {
		t.Fatalf("unassign = %+v, %v", res, err)
	}
}
