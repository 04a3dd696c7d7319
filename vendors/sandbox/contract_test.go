package sandbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// contract is one case derived from a vendor's API page: a call, how the
// documented API answers it (scripted for the fake), and the outcome the
// user must read. Each case runs against a scripted fake and against the
// sandbox, so the sandbox cannot drift from the pages.
type contract struct {
	name   string
	call   func(ctx context.Context, url string) verdict
	script http.HandlerFunc // the documented answer
	want   vendors.Outcome
	code   string
}

func cocAnswer(status int, code string, msg any, data any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, status, map[string]any{"provider_code": "049", "error_code": code, "error_msg": msg, "data": data})
	}
}

func smAnswer(success, failed []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "message": "", "data": map[string]any{"success_ids": success, "error_ids": failed}})
	}
}

func create(in vendors.NewIncident) func(ctx context.Context, url string) verdict {
	return func(ctx context.Context, url string) verdict {
		c, _ := newCOC(url)
		r, err := c.CreateIncident(ctx, in)
		return judge(vendors.BatchResult{}, r, err)
	}
}

var validIncident = vendors.NewIncident{Title: "DB down", Description: "d", Level: "level_50", Type: "inc_type_p_security_issues",
	Source: "incident_source_manual", ApplicationID: "65659ae2f42bf80e5f3f0635", Assignee: "7da46971b7e24eed90cf777cc2ff8b91", Creator: "c"}

func with(f func(*vendors.NewIncident)) vendors.NewIncident {
	in := validIncident
	f(&in)
	return in
}

var contracts = []contract{
	{name: "secmaster delete of an existing incident is done",
		call: func(ctx context.Context, url string) verdict {
			return ops["secmaster.delete"].call(ctx, url, 5*time.Second)
		},
		script: smAnswer([]string{"inc-1001"}, []string{}), want: vendors.Done},
	{name: "secmaster delete of an unknown incident is in error_ids",
		call: func(ctx context.Context, url string) verdict {
			c, _ := newSecMaster(url)
			res, err := c.DeleteIncidents(ctx, []string{"inc-none"})
			return judge(res, vendors.Receipt{}, err)
		},
		script: smAnswer([]string{}, []string{"inc-none"}), want: vendors.Refused},
	{name: "secmaster unlink of a linked alert is done",
		call: func(ctx context.Context, url string) verdict {
			return ops["secmaster.unlink"].call(ctx, url, 5*time.Second)
		},
		script: smAnswer([]string{"alert-2001"}, []string{}), want: vendors.Done},
	{name: "coc create with the page's example fields is done",
		call: create(validIncident), script: cocAnswer(200, "GOM.00000000", nil, map[string]string{"incident_num": "IM202403221515060171753781"}), want: vendors.Done},
	{name: "coc create with a level outside level_10..50 is refused",
		call: create(with(func(in *vendors.NewIncident) { in.Level = "level_99" })), script: cocAnswer(400, "COC.00040003", "incident_level is invalid", nil), want: vendors.Refused, code: "COC.00040003"},
	{name: "coc create with an undocumented type is refused",
		call: create(with(func(in *vendors.NewIncident) { in.Type = "inc_type_bogus" })), script: cocAnswer(400, "COC.00040003", "incident_type is invalid", nil), want: vendors.Refused, code: "COC.00040003"},
	{name: "coc create with a 400-character region is refused",
		call: create(with(func(in *vendors.NewIncident) { in.Region = string(make([]byte, 400)) })), script: cocAnswer(400, "COC.00040003", "region is too long", nil), want: vendors.Refused, code: "COC.00040003"},
	{name: "coc verify of a solved ticket is done",
		call:   func(ctx context.Context, url string) verdict { return ops["coc.handle"].call(ctx, url, 5*time.Second) },
		script: cocAnswer(200, "GOM.00000000", nil, nil), want: vendors.Done},
	{name: "coc verify with a 500-character comment is refused",
		call: func(ctx context.Context, url string) verdict {
			c, _ := newCOC(url)
			long := make([]rune, 500)
			for i := range long {
				long[i] = 'x'
			}
			r, err := c.HandleIncident(ctx, vendors.TicketOp{Step: vendors.Verify, Ticket: "IM202611220001", Operator: "o", Passed: true, Comment: string(long)})
			return judge(vendors.BatchResult{}, r, err)
		},
		script: cocAnswer(400, "COC.00040003", "virtual_confirm_comment is too long", nil), want: vendors.Refused, code: "COC.00040003"},
	{name: "coralogix unassign of an assigned incident is done",
		call: func(ctx context.Context, url string) verdict {
			return ops["coralogix.unassign"].call(ctx, url, 5*time.Second)
		},
		script: func(w http.ResponseWriter, r *http.Request) {
			vendortest.Reply(w, 200, map[string]any{"incidents": []any{map[string]any{"id": "cx-3001", "assignments": []any{}}}})
		}, want: vendors.Done},
}

func TestContractAgainstFakeAndSandbox(t *testing.T) {
	for _, c := range contracts {
		for _, target := range []string{"fake", "sandbox"} {
			t.Run(target+"/"+c.name, func(t *testing.T) {
				var srv *vendortest.Server
				if target == "fake" {
					srv = vendortest.New(t, c.script)
				} else {
					srv = faulty(t, "")
				}
				v := c.call(context.Background(), srv.URL)
				if v.outcome != c.want || (c.code != "" && v.code != c.code) {
					t.Fatalf("verdict %+v, want %v %s", v, c.want, c.code)
				}
				if len(v.requestIDs) == 0 {
					t.Errorf("no request ID")
				}
			})
		}
	}
}

func newCOC(url string) (*coc.Client, error) { return cocClient(url, 5*time.Second) }

func newSecMaster(url string) (*secmaster.Client, error) { return secmasterClient(url, 5*time.Second) }

func cocClient(url string, timeout time.Duration) (*coc.Client, error) {
	return coc.New(hw(url, timeout))
}

func secmasterClient(url string, timeout time.Duration) (*secmaster.Client, error) {
	return secmaster.New(secmaster.Config{Settings: hw(url, timeout), WorkspaceID: "w", BatchSize: 10})
}
