package sandbox_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// readContract is one read derived from a vendor's API page: the call,
// the documented answer scripted for the fake, and what the responder
// must read. Each runs against the fake and against the sandbox.
type readContract struct {
	name   string
	call   func(ctx context.Context, url string) (vendors.Presence, string) // presence and a detail to check
	script http.HandlerFunc
	want   vendors.Presence
	detail string // contained in the detail
}

func smSearch(objects ...map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data := []any{}
		for _, o := range objects {
			data = append(data, map[string]any{"id": o["id"], "data_object": o})
		}
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "message": "", "success": true, "total": len(data), "data": data})
	}
}

func cxClient(url string) *coralogix.Client {
	c, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", Timeout: 5 * time.Second})
	return c
}

var readContracts = []readContract{
	{name: "secmaster incident by ID is found with its title, severity and status",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newSecMaster(url)
			l := c.Incidents(ctx, []string{"inc-1001"})[0]
			return l.Presence, l.Item.Title + "|" + l.Item.Severity + "|" + l.Item.Status
		},
		script: smSearch(map[string]any{"id": "inc-1001", "title": "Brute-force logins against bastion-eu-1", "severity": "High", "handle_status": "Open"}),
		want:   vendors.Found, detail: "Brute-force logins against bastion-eu-1|High|Open"},
	{name: "secmaster unknown incident is not found",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newSecMaster(url)
			return c.Incidents(ctx, []string{"inc-9999"})[0].Presence, ""
		},
		script: smSearch(), want: vendors.NotFound},
	{name: "secmaster alert by ID lists its incident",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newSecMaster(url)
			l := c.Alerts(ctx, []string{"alert-2001"})[0]
			return l.Presence, strings.Join(l.Item.Incidents, ",")
		},
		script: smSearch(map[string]any{"id": "alert-2001", "title": "SSH brute force", "incident_list": []string{"inc-1001"}}),
		want:   vendors.Found, detail: "inc-1001"},
	{name: "secmaster linked alerts of inc-1001",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newSecMaster(url)
			p, err := c.LinkedAlerts(ctx, "inc-1001", vendors.ListQuery{})
			if err != nil {
				return vendors.CouldNotLookUp, err.Error()
			}
			var ids []string
			for _, a := range p.Items {
				ids = append(ids, a.ID)
			}
			slices.Sort(ids)
			return vendors.Found, strings.Join(ids, ",")
		},
		script: smSearch(map[string]any{"id": "alert-2001"}, map[string]any{"id": "alert-2002"}, map[string]any{"id": "alert-2003"}),
		want:   vendors.Found, detail: "alert-2001,alert-2002,alert-2003"},
	{name: "coc ticket shows its level and state",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newCOC(url)
			l := c.Ticket(ctx, sandbox.DemoTicket)
			return l.Presence, l.Item.Level + "|" + l.Item.Status
		},
		script: cocAnswer(200, "GOM.00000000", nil, map[string]any{"incident_num": sandbox.DemoTicket, "incident_level": "level_20", "status": "created"}),
		want:   vendors.Found, detail: "level_20|created"},
	{name: "coc unknown ticket is not found",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			c, _ := newCOC(url)
			return c.Ticket(ctx, "IM000000000099").Presence, ""
		},
		script: cocAnswer(404, "COC.00060001", "incident IM000000000099 does not exist", nil), want: vendors.NotFound},
	{name: "coralogix incident shows its assignees",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			l := cxClient(url).Incidents(ctx, []string{"cx-3001"})[0]
			return l.Presence, strings.Join(l.Item.Owners, ",")
		},
		script: func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 200, map[string]any{"incidents": map[string]any{"cx-3001": map[string]any{"id": "cx-3001",
				"assignments": []any{map[string]any{"assignedTo": map[string]any{"userId": "oncall@example.com"}}}}}, "notFoundIds": []string{}})
		},
		want: vendors.Found, detail: "oncall@example.com"},
	{name: "coralogix unknown incident is not found",
		call: func(ctx context.Context, url string) (vendors.Presence, string) {
			return cxClient(url).Incidents(ctx, []string{"cx-9999"})[0].Presence, ""
		},
		script: func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 200, map[string]any{"incidents": map[string]any{}, "notFoundIds": []string{"cx-9999"}})
		},
		want: vendors.NotFound},
}

func TestReadContractAgainstFakeAndSandbox(t *testing.T) {
	for _, c := range readContracts {
		for _, target := range []string{"fake", "sandbox"} {
			t.Run(target+"/"+c.name, func(t *testing.T) {
				var srv *vendortest.Server
				if target == "fake" {
					srv = vendortest.New(t, c.script)
				} else {
					srv = faulty(t, "")
				}
				p, detail := c.call(context.Background(), srv.URL)
				if p != c.want || !strings.Contains(detail, c.detail) {
					t.Fatalf("%v %q, want %v %q", p, detail, c.want, c.detail)
				}
			})
		}
	}
}

// Every read route, with every fault: "could not look up", never "not
// found".
func TestReadFaultsAreCouldNotLookUp(t *testing.T) {
	reads := map[string]func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string){
		"secmaster.search": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := secmasterClient(url, timeout)
			l := c.Incidents(ctx, []string{"inc-1001"})[0]
			return l.Presence, vendors.LookupReason(l.Err)
		},
		"secmaster.alerts": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := secmasterClient(url, timeout)
			l := c.Alerts(ctx, []string{"alert-2001"})[0]
			return l.Presence, vendors.LookupReason(l.Err)
		},
		"secmaster.related": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := secmasterClient(url, timeout)
			_, err := c.LinkedAlerts(ctx, "inc-1001", vendors.ListQuery{})
			return presenceOf(err), vendors.LookupReason(err)
		},
		"coc.show": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := cocClient(url, timeout)
			l := c.Ticket(ctx, sandbox.DemoTicket)
			return l.Presence, vendors.LookupReason(l.Err)
		},
		"coc.list": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := cocClient(url, timeout)
			_, err := c.ListTickets(ctx, vendors.ListQuery{})
			return presenceOf(err), vendors.LookupReason(err)
		},
		"coralogix.get": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", Timeout: timeout})
			l := c.Incidents(ctx, []string{"cx-3001"})[0]
			return l.Presence, vendors.LookupReason(l.Err)
		},
		"coralogix.list": func(ctx context.Context, url string, timeout time.Duration) (vendors.Presence, string) {
			c, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", Timeout: timeout})
			_, err := c.ListIncidents(ctx, vendors.ListQuery{})
			return presenceOf(err), vendors.LookupReason(err)
		},
	}
	for _, fault := range []string{"500", "503", "html500", "html200", "badjson", "cut", "reset", "timeout:1m", "429:60"} {
		for route, read := range reads {
			t.Run(fault+"/"+route, func(t *testing.T) {
				srv := faulty(t, route+"="+fault)
				timeout := 5 * time.Second
				if strings.HasPrefix(fault, "timeout") {
					timeout = 200 * time.Millisecond
				}
				p, reason := read(context.Background(), srv.URL, timeout)
				if p != vendors.CouldNotLookUp || reason == "" || len(reason) > 400 || strings.Contains(reason, "<style") {
					t.Fatalf("%v %q, want could not look up with a short reason", p, reason)
				}
			})
		}
	}
}

func presenceOf(err error) vendors.Presence {
	if err != nil {
		return vendors.CouldNotLookUp
	}
	return vendors.Found
}
