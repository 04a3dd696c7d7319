package sandbox_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// The reads are served from the state the writes change.
func TestReadsFollowTheWrites(t *testing.T) {
	url := start(t)
	ctx := context.Background()
	c, _ := newCOC(url)
	before, err := c.ListTickets(ctx, vendors.ListQuery{})
	if err != nil || len(before.Items) != 2 {
		t.Fatalf("demo tickets = %+v, %v", before, err)
	}
	r, err := c.CreateIncident(ctx, vendors.NewIncident{Title: "db-primary down", Description: "d", Level: "level_10", Type: "inc_type_p_security_issues",
		Source: "incident_source_manual", ApplicationID: "a", Assignee: "u-1", Creator: "c"})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := c.ListTickets(ctx, vendors.ListQuery{})
	if len(after.Items) != 3 || after.Items[0].Number != r.ID || after.Items[0].Title != "db-primary down" || after.Items[0].Status != "created" {
		t.Fatalf("after create, newest first = %+v", after.Items)
	}
	if _, err := c.HandleIncident(ctx, vendors.TicketOp{Step: vendors.Accept, Ticket: r.ID, Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	if got := c.Ticket(ctx, r.ID); got.Item.Status != "accepted" || !reflect.DeepEqual(got.Item.Assignees, []string{"u-1"}) {
		t.Fatalf("after accept = %+v", got)
	}

	sm, _ := newSecMaster(url)
	if _, err := sm.DeleteIncidents(ctx, []string{"inc-1001"}); err != nil {
		t.Fatal(err)
	}
	all, _ := sm.ListIncidents(ctx, vendors.ListQuery{All: true})
	for _, inc := range all.Items {
		if inc.ID == "inc-1001" {
			t.Fatal("a deleted incident is still listed")
		}
	}
	if all.Total != 4 {
		t.Fatalf("total = %d", all.Total)
	}
	// Its alerts stay, no longer listed under it.
	if a := sm.Alerts(ctx, []string{"alert-2001"})[0]; a.Presence != vendors.Found || len(a.Item.Incidents) != 0 {
		t.Fatalf("alert of a deleted incident = %+v", a)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	url := start(t)
	ctx := context.Background()
	sm, _ := newSecMaster(url)
	p, err := sm.ListIncidents(ctx, vendors.ListQuery{All: true, Limit: 2})
	if err != nil || len(p.Items) != 2 || p.Next != "2" || p.Total != 5 {
		t.Fatalf("first page = %+v, %v", p, err)
	}
	p2, _ := sm.ListIncidents(ctx, vendors.ListQuery{All: true, Limit: 2, Cursor: p.Next})
	if len(p2.Items) != 2 || p2.Items[0].ID == p.Items[0].ID {
		t.Fatalf("second page = %+v", p2)
	}
	high, _ := sm.ListIncidents(ctx, vendors.ListQuery{Severity: []string{"High", "Fatal"}, Assignee: "bob"})
	if len(high.Items) != 1 || high.Items[0].ID != "inc-1002" || !strings.Contains(high.Items[0].Title, "db") {
		t.Fatalf("open High/Fatal of bob = %+v", high.Items)
	}

	cx := cxClient(url)
	open, _ := cx.ListIncidents(ctx, vendors.ListQuery{Limit: 2})
	if len(open.Items) != 2 || open.Items[0].ID != "cx-3003" || open.Next == "" || open.Total != 3 {
		t.Fatalf("coralogix page = %+v", open)
	}
	acked, _ := cx.ListIncidents(ctx, vendors.ListQuery{Status: []string{"INCIDENT_STATUS_ACKNOWLEDGED"}})
	if len(acked.Items) != 1 || acked.Items[0].ID != "cx-3002" || len(acked.Items[0].Owners) != 2 {
		t.Fatalf("acknowledged = %+v", acked.Items)
	}
}

// The sandbox serves Coralogix under both API versions, and cases.
func TestCoralogixBothVersionsAndCases(t *testing.T) {
	url := start(t)
	ctx := context.Background()
	for i, version := range []string{coralogix.APIVersion5, coralogix.APIVersionLatest} {
		c, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", APIVersion: version, Timeout: 5 * time.Second})
		id := sandbox.DemoCoralogix[i]
		res, err := c.UnassignIncidents(ctx, []string{id})
		if err != nil || len(res.IDs(vendors.Done)) != 1 {
			t.Fatalf("%s: unassign = %+v, %v", version, res, err)
		}
		if got := c.Incidents(ctx, []string{id})[0]; got.Presence != vendors.Found || len(got.Item.Owners) != 0 {
			t.Fatalf("%s: after unassign = %+v", version, got)
		}
	}
	c := cxClient(url)
	res, err := c.UnassignCases(ctx, []string{"CASE-101", "CASE-999"})
	if err != nil || res.Items[0].Outcome != vendors.Done || res.Items[1].Outcome != vendors.Unknown {
		t.Fatalf("cases = %+v, %v", res, err)
	}
}
