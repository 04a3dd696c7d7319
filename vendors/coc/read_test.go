package coc_test

import (
	"context"
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

func TestTicketSendsShowAndReadsTheDetail(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": map[string]any{
			"incident_num": "IM1", "incident_title": "DB down", "incident_level": "level_20", "status": "accepted",
			"incident_assignee": []string{"user-7"}, "create_time": 1795334400000, "handle_time": 1795338000000}})
	})
	got := newClient(t, srv.URL).Ticket(context.Background(), "IM1")
	r := srv.Requests()[0]
	if r.Method != http.MethodGet || r.Path != "/v1/external/incident/IM1" || len(r.Body) != 0 {
		t.Errorf("request = %s %s %q", r.Method, r.Path, r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=AKTEST,") || r.Header.Get("X-Domain-Id") != "dom-1" {
		t.Errorf("not signed with the domain: %q %q", r.Header.Get("Authorization"), r.Header.Get("X-Domain-Id"))
	}
	want := vendors.Ticket{Number: "IM1", Title: "DB down", Level: "level_20", Status: "accepted", Assignees: []string{"user-7"}, Updated: time.UnixMilli(1795338000000).UTC()}
	if got.Presence != vendors.Found || !reflect.DeepEqual(got.Item, want) {
		t.Fatalf("ticket = %+v", got)
	}
}

// COC's own 404 (with its error_code) says the ticket does not exist; a
// gateway's bare 404 and a refusal say nothing of the kind.
func TestOnlyCOCsOwn404IsNotFound(t *testing.T) {
	for name, tc := range map[string]struct {
		h    http.HandlerFunc
		want vendors.Presence
	}{
		"coc 404": {func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 404, map[string]any{"error_code": "COC.00060001", "error_msg": "incident does not exist"})
		}, vendors.NotFound},
		"success without data": {func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": nil})
		}, vendors.NotFound},
		"gateway 404": {func(w http.ResponseWriter, r *http.Request) { http.Error(w, "404 page not found", 404) }, vendors.CouldNotLookUp},
		"api gateway 404": {func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 404, map[string]any{"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published in the environment"})
		}, vendors.CouldNotLookUp},
		"403": {func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 403, map[string]any{"error_code": "COC.00040300", "error_msg": "no permission coc:ticket:get"})
		}, vendors.CouldNotLookUp},
		"200 with a failure code": {func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 200, map[string]any{"error_code": "COC.00050001", "error_msg": "busy"})
		}, vendors.CouldNotLookUp},
	} {
		t.Run(name, func(t *testing.T) {
			got := newClient(t, vendortest.New(t, tc.h).URL).Ticket(context.Background(), "IM1")
			if got.Presence != tc.want {
				t.Fatalf("ticket = %+v, want %v", got, tc.want)
			}
			if tc.want == vendors.CouldNotLookUp && !strings.Contains(vendors.LookupReason(got.Err), "HTTP") {
				t.Errorf("reason = %q", vendors.LookupReason(got.Err))
			}
		})
	}
}

func TestListTicketsSendsPageAndLimit(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]any{"total": 30, "data": []any{
			map[string]any{"ticket_id": "IM2", "title": "db lag", "status": "created", "level": "level_30", "assignee": []string{"u-1"}},
			map[string]any{"ticket_id": "IM3", "title": "cert expiry", "status": "verified", "level": "level_40"},
		}}})
	})
	p, err := newClient(t, srv.URL).ListTickets(context.Background(), vendors.ListQuery{Limit: 10, Cursor: "2", Status: []string{"created"}})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodGet || r.Path != "/v1/incident-tickets" || !reflect.DeepEqual(r.Query, map[string][]string{"offset": {"2"}, "limit": {"10"}}) {
		t.Errorf("request = %s %s %v", r.Method, r.Path, r.Query)
	}
	want := []vendors.Ticket{{Number: "IM2", Title: "db lag", Level: "level_30", Status: "created", Assignees: []string{"u-1"}}}
	if !reflect.DeepEqual(p.Items, want) || p.Next != "3" || p.Total != 30 {
		t.Fatalf("page = %+v", p)
	}
}

func TestUntrustworthyAnswersAreCouldNotLookUp(t *testing.T) {
	for name, h := range vendortest.Misbehaviours() {
		t.Run(name, func(t *testing.T) {
			srv := vendortest.New(t, h)
			c, _ := coc.New(huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", DomainID: "d", Endpoint: srv.URL, Timeout: 300 * time.Millisecond})
			if got := c.Ticket(context.Background(), "IM1"); got.Presence != vendors.CouldNotLookUp || vendors.LookupReason(got.Err) == "" {
				t.Fatalf("ticket = %+v", got)
			}
			if _, err := c.ListTickets(context.Background(), vendors.ListQuery{}); err == nil {
				t.Error("list read an untrustworthy answer")
			}
		})
	}
}

// A hostile "number" with dot segments is never sent: a gateway could
// resolve it to another API, signed with the bot's keys.
func TestAHostileTicketNumberIsNotSent(t *testing.T) {
	srv := vendortest.New(t, nil)
	for _, n := range []string{"../../v2/incidents/list", "..", "IM1/../x", "IM1?x=1", ""} {
		if got := newClient(t, srv.URL).Ticket(context.Background(), n); got.Presence != vendors.CouldNotLookUp {
			t.Errorf("%q: %+v", n, got)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}
