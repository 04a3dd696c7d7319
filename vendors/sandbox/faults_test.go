package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// verdict is what a user would be told about one call.
type verdict struct {
	outcome    vendors.Outcome
	code       string
	message    string // the text a responder reads (err.Error() or the item's message)
	requestIDs []string
}

func judge(res vendors.BatchResult, receipt vendors.Receipt, err error) verdict {
	var ve *vendors.Error
	var ue *vendors.UnreachableError
	switch {
	case errors.As(err, &ve):
		return verdict{vendors.Refused, ve.Code, err.Error(), nonEmpty(ve.RequestID)}
	case errors.As(err, &ue):
		return verdict{vendors.Unknown, ue.Code, err.Error(), nonEmpty(ue.RequestID)}
	case err != nil:
		return verdict{outcome: -1, message: err.Error()}
	case len(res.Items) > 0:
		return verdict{res.Items[0].Outcome, res.Items[0].Code, res.Items[0].Message, res.RequestIDs}
	}
	return verdict{vendors.Done, "", "", nonEmpty(receipt.RequestID)}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// op is one vendor call against url, with the route its requests take.
type op struct {
	route string
	call  func(ctx context.Context, url string, timeout time.Duration) verdict
}

func hw(url string, timeout time.Duration) huaweicloud.Settings {
	return huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p", DomainID: "d", Endpoint: url, Timeout: timeout}
}

var ops = map[string]op{
	"secmaster.delete": {"secmaster.delete", func(ctx context.Context, url string, timeout time.Duration) verdict {
		c, _ := secmaster.New(secmaster.Config{Settings: hw(url, timeout), WorkspaceID: "w", BatchSize: 10})
		res, err := c.DeleteIncidents(ctx, []string{"inc-1001"})
		return judge(res, vendors.Receipt{}, err)
	}},
	"secmaster.unlink": {"secmaster.unlink", func(ctx context.Context, url string, timeout time.Duration) verdict {
		c, _ := secmaster.New(secmaster.Config{Settings: hw(url, timeout), WorkspaceID: "w", BatchSize: 10})
		res, err := c.CancelAssociation(ctx, vendors.Association{DataClass: "incidents", ObjectID: "inc-1001", RelatedDataClass: "alerts"}, []string{"alert-2001"})
		return judge(res, vendors.Receipt{}, err)
	}},
	"coc.create": {"coc.create", func(ctx context.Context, url string, timeout time.Duration) verdict {
		c, _ := coc.New(hw(url, timeout))
		r, err := c.CreateIncident(ctx, vendors.NewIncident{Title: "t", Description: "d", Level: "level_10", Type: "inc_type_p_security_issues",
			Source: "incident_source_manual", ApplicationID: "a", Assignee: "u", Creator: "c"})
		return judge(vendors.BatchResult{}, r, err)
	}},
	"coc.handle": {"coc.handle", func(ctx context.Context, url string, timeout time.Duration) verdict {
		c, _ := coc.New(hw(url, timeout))
		r, err := c.HandleIncident(ctx, vendors.TicketOp{Step: vendors.Verify, Ticket: sandbox.DemoSolvedTicket, Operator: "o", Passed: true, Comment: "ok"})
		return judge(vendors.BatchResult{}, r, err)
	}},
	"coralogix.unassign": {"coralogix.unassign", func(ctx context.Context, url string, timeout time.Duration) verdict {
		c, _ := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "k", Timeout: timeout, BatchSize: 10})
		res, err := c.UnassignIncidents(ctx, []string{"cx-3001"})
		return judge(res, vendors.Receipt{}, err)
	}},
}

// faulty serves the sandbox with spec's faults behind a recording server.
func faulty(t *testing.T, spec string) *vendortest.Server {
	t.Helper()
	f, err := sandbox.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(f))
	srv := vendortest.New(t, sb.Handler().ServeHTTP)
	t.Cleanup(sb.Close) // runs before the server closes: releases held requests
	return srv
}

func retried(route string) bool { return route != "coc.create" && route != "coc.handle" }

func TestFaults(t *testing.T) {
	for _, fc := range []struct {
		fault     string
		outcome   vendors.Outcome
		says      string // in the message
		requestID bool
		calls     func(route string) int
	}{
		{"500", vendors.Unknown, "HTTP 500: ", true, one},
		{"html500", vendors.Unknown, `HTTP 502 with an HTML page titled "502 Bad Gateway"`, true, one},
		{"html200", vendors.Unknown, `HTTP 200 with an HTML page titled "Service maintenance"`, true, one},
		{"badjson", vendors.Unknown, "HTTP 200 with broken JSON", true, one},
		{"cut", vendors.Unknown, "HTTP 200, but", true, one},
		{"reset", vendors.Unknown, "gave no trustworthy answer", false, one},
		{"timeout:1m", vendors.Unknown, "no complete answer within the deadline", false, one},
		{"429:0", vendors.Refused, "APIGW.0308", true, func(r string) int { return map[bool]int{true: 3, false: 1}[retried(r)] }},
		{"429:60", vendors.Refused, "APIGW.0308", true, one},
		{"429:0*2", vendors.Done, "", true, func(r string) int { return map[bool]int{true: 3, false: 1}[retried(r)] }},
	} {
		for name, o := range ops {
			t.Run(fc.fault+"/"+name, func(t *testing.T) {
				want, says := fc.outcome, fc.says
				if fc.fault == "429:0*2" && !retried(o.route) {
					want, says = vendors.Refused, "APIGW.0308" // never retried: the first 429 is the answer
				}
				srv := faulty(t, o.route+"="+fc.fault)
				timeout := 5 * time.Second
				if strings.HasPrefix(fc.fault, "timeout") {
					timeout = 200 * time.Millisecond
				}
				v := o.call(context.Background(), srv.URL, timeout)
				if v.outcome != want || !strings.Contains(v.message, says) {
					t.Errorf("outcome %v %q, want %v saying %q", v.outcome, v.message, want, says)
				}
				if want == vendors.Unknown && !strings.Contains(v.message, "may have acted") {
					t.Errorf("an unknown outcome must say the vendor may have acted: %q", v.message)
				}
				if len(v.message) > 600 || strings.Contains(v.message, "<style") {
					t.Errorf("message is not readable (%d bytes): %.200q", len(v.message), v.message)
				}
				if got := len(v.requestIDs) > 0; got != fc.requestID {
					t.Errorf("request IDs %v, want some: %v", v.requestIDs, fc.requestID)
				}
				if got, want := len(srv.Requests()), fc.calls(o.route); got != want {
					t.Errorf("vendor received %d requests, want %d", got, want)
				}
			})
		}
	}
}

func one(string) int { return 1 }

// A deadline reaches the connection: the vendor holds the request until
// the test ends, the clients have no timeout of their own, and the call
// still returns, unknown.
func TestDeadlineReachesEveryCall(t *testing.T) {
	for name, o := range ops {
		t.Run(name, func(t *testing.T) {
			srv := faulty(t, o.route+"=timeout")
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			v := o.call(ctx, srv.URL, 0)
			if v.outcome != vendors.Unknown {
				t.Fatalf("outcome %v %q, want unknown", v.outcome, v.message)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
		})
	}
}

func TestCOC400WithNullMessageKeepsCode(t *testing.T) {
	srv := vendortest.New(t, func(w vendortestWriter, r *vendortestRequest) {
		vendortest.Reply(w, 400, map[string]any{"provider_code": "049", "error_code": "COC.00040009", "error_msg": nil})
	})
	v := ops["coc.create"].call(context.Background(), srv.URL, 5*time.Second)
	if v.outcome != vendors.Refused || v.code != "COC.00040009" || strings.Contains(v.message, "{") {
		t.Fatalf("verdict = %+v", v)
	}
}

func TestSecMaster200WithFailureCodeIsRefused(t *testing.T) {
	srv := vendortest.New(t, func(w vendortestWriter, r *vendortestRequest) {
		vendortest.Reply(w, 200, map[string]any{"code": "SecMaster.20010001", "message": "workspace not found"})
	})
	v := ops["secmaster.delete"].call(context.Background(), srv.URL, 5*time.Second)
	if v.outcome != vendors.Refused || v.code != "SecMaster.20010001" || !strings.Contains(v.message, "workspace not found") || len(v.requestIDs) != 1 {
		t.Fatalf("verdict = %+v", v)
	}
}

type (
	vendortestWriter  = http.ResponseWriter
	vendortestRequest = http.Request
)

func TestParseFaults(t *testing.T) {
	f, err := sandbox.ParseFaults("secmaster.delete=html200, coralogix=timeout,coc.create=500,*=429:0*2")
	if err != nil || len(f) != 4 || f["coc.create"].Status != 500 || f["*"].Times != 2 {
		t.Fatalf("ParseFaults = %v, %v", f, err)
	}
	// The read routes, as the README's table names them.
	reads, err := sandbox.ParseFaults("secmaster.search=timeout,secmaster.alerts=cut,secmaster.related=500,coc.show=500,coc.list=badjson,coralogix.get=html200,coralogix.list=reset,coralogix.cases=503")
	if err != nil || len(reads) != 8 || reads["coralogix.get"].Kind != sandbox.FaultHTML200 {
		t.Fatalf("read faults = %v, %v", reads, err)
	}
	for _, bad := range []string{"secmaster", "nobody=500", "coc=teapot", "coc=404", "coc=429:x", "coc=cut*0", "coc.shows=500"} {
		if _, err := sandbox.ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
}

// slow:DURATION answers as normal, only late: a long batch to stop part way.
func TestASlowFaultAnswersNormallyAfterItsDelay(t *testing.T) {
	f, err := sandbox.ParseFaults("secmaster.delete=slow:50ms")
	if err != nil || f["secmaster.delete"].Kind != sandbox.FaultSlow || f["secmaster.delete"].String() != "slow:50ms" {
		t.Fatalf("ParseFaults = %v, %v", f, err)
	}
	for _, bad := range []string{"coc=slow", "coc=slow:x", "coc=slow:0s"} {
		if _, err := sandbox.ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	srv := faulty(t, "secmaster.delete=slow:50ms")
	c, _ := secmaster.New(secmaster.Config{Settings: hw(srv.URL, 5*time.Second), WorkspaceID: "w", BatchSize: 10})
	res, err := c.DeleteIncidents(context.Background(), []string{"inc-1001"})
	if err != nil || res.Count(vendors.Done) != 1 {
		t.Fatalf("a slow delete = %+v, %v; want it done", res, err)
	}
}
