package commands_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// recorder is a vendor that records what it was asked. Parsing must never
// call it; the tests check that.
type recorder struct {
	calls   int
	created vendors.NewIncident
	assoc   vendors.Association
	handled vendors.TicketOp
}

func (r *recorder) DeleteIncidents(_ context.Context, ids []string) (vendors.BatchResult, error) {
	r.calls++
	return done(ids), nil
}
func (r *recorder) CancelAssociation(_ context.Context, a vendors.Association, ids []string) (vendors.BatchResult, error) {
	r.calls++
	r.assoc = a
	return done(ids), nil
}
func (r *recorder) UnassignIncidents(_ context.Context, ids []string) (vendors.BatchResult, error) {
	r.calls++
	return done(ids), nil
}
func (r *recorder) UnassignCases(_ context.Context, ids []string) (vendors.BatchResult, error) {
	r.calls++
	return done(ids), nil
}
func (r *recorder) UnassignCasesRoute() string { return "DELETE /mgmt/openapi/5/cases/assigned/v1" }
func (r *recorder) UnassignRoute() string {
	return "DELETE /mgmt/openapi/5/incidents/incidents/v1/all/by-user"
}
func (r *recorder) CreateIncident(_ context.Context, in vendors.NewIncident) (vendors.Receipt, error) {
	r.calls++
	r.created = in
	return vendors.Receipt{ID: "IM1"}, nil
}
func (r *recorder) HandleIncident(_ context.Context, op vendors.TicketOp) (vendors.Receipt, error) {
	r.calls++
	r.handled = op
	return vendors.Receipt{ID: op.Ticket}, nil
}

func done(ids []string) vendors.BatchResult {
	var r vendors.BatchResult
	r.MarkAll(ids, vendors.Done, "", "")
	return r
}

func registry(rec *recorder) *commands.Registry {
	return commands.New(commands.Deps{SecMaster: rec, Coralogix: rec, COC: rec, DefaultOperator: "op-1"})
}

var alice = commands.Caller{Platform: "console", UserID: "alice", Name: "Alice"}

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`delete a b`, []string{"delete", "a", "b"}},
		{`  delete   a,b  `, []string{"delete", "a,b"}},
		{`create --title "DB down in eu-west"`, []string{"create", "--title", "DB down in eu-west"}},
		{`create --title 'it''s'`, []string{"create", "--title", "its"}},
		{`create --title "say \"hi\""`, []string{"create", "--title", `say "hi"`}},
		{`create --title “smart quotes”`, []string{"create", "--title", "smart quotes"}},
		{`create --title=‘single smart’`, []string{"create", "--title=single smart"}},
		{`a\ b`, []string{"a b"}},
		{`""`, []string{""}},
	} {
		got, err := commands.Tokenize(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`create --title "open`, `x 'open`, `trailing \`} {
		if _, err := commands.Tokenize(bad); err == nil {
			t.Errorf("Tokenize(%q) accepted an unfinished line", bad)
		}
	}
}

func TestParseDestructiveVerbs(t *testing.T) {
	for _, tc := range []struct {
		line   string
		vendor string
		ids    []string
		target string
	}{
		{"/incident delete a b", "SecMaster", []string{"a", "b"}, ""},
		{"delete a,b, c a", "SecMaster", []string{"a", "b", "c"}, ""},
		{"/INCIDENT DELETE 909494e3-558e-46b6-a9eb-07a8e18ca62f", "SecMaster", []string{"909494e3-558e-46b6-a9eb-07a8e18ca62f"}, ""},
		{"unlink inc-1 al-1 al-2", "SecMaster", []string{"al-1", "al-2"}, "from incident inc-1"},
		{"unassign cx-1 cx-2", "Coralogix", []string{"cx-1", "cx-2"}, ""},
		{"delete `inc-1` `inc-2`,`inc-1`", "SecMaster", []string{"inc-1", "inc-2"}, ""},
	} {
		rec := &recorder{}
		a, err := registry(rec).Parse(tc.line, alice)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		s := a.Summary()
		if !a.Destructive() || s.Vendor != tc.vendor || !reflect.DeepEqual(s.IDs, tc.ids) || s.Target != tc.target {
			t.Errorf("%q: destructive=%v summary=%+v", tc.line, a.Destructive(), s)
		}
		if rec.calls != 0 {
			t.Errorf("%q: parsing called the vendor", tc.line)
		}
	}
}

func TestUnlinkDataClasses(t *testing.T) {
	rec := &recorder{}
	a, err := registry(rec).Parse("unlink alert-7 inc-1 --from Alert --to=incidents", alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	want := vendors.Association{DataClass: "alerts", ObjectID: "alert-7", RelatedDataClass: "incidents"}
	if rec.assoc != want {
		t.Fatalf("association = %+v, want %+v", rec.assoc, want)
	}
}

func TestCreateParsesAliasesAndQuoting(t *testing.T) {
	rec := &recorder{}
	line := `create --title "DB down in eu-west" --description "primary gone" --level P2 --type reliability --app app-1 --interrupted yes --assignee u-1 --region cn-north-4`
	a, err := registry(rec).Parse(line, alice)
	if err != nil {
		t.Fatal(err)
	}
	if a.Destructive() {
		t.Fatal("create must not ask for confirmation")
	}
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	want := vendors.NewIncident{Title: "DB down in eu-west", Description: "primary gone", Level: "level_20", Type: "inc_type_p_reliability_issues",
		Source: "incident_source_manual", ApplicationID: "app-1", ServiceInterrupt: true, Assignee: "u-1", Region: "cn-north-4", Creator: "op-1"}
	if rec.created != want {
		t.Fatalf("created %+v\nwant    %+v", rec.created, want)
	}
}

func TestOperatorMapping(t *testing.T) {
	rec := &recorder{}
	reg := commands.New(commands.Deps{COC: rec, COCOperators: map[string]string{"slack:U1": "cloud-U1"}})
	line := `create --title t --description d --level p1 --type security --app a --interrupted no --scene s --role r`
	a, err := reg.Parse(line, commands.Caller{Platform: "slack", UserID: "U1", Name: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = a.Run(context.Background(), nil)
	if rec.created.Creator != "cloud-U1" {
		t.Fatalf("creator = %q, want the mapped cloud user", rec.created.Creator)
	}
	_, err = reg.Parse(line, commands.Caller{Platform: "slack", UserID: "U2", Name: "u2"})
	var nc *commands.NotConfiguredError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "COC_OPERATOR_ID") || !strings.Contains(err.Error(), "slack:U2=") {
		t.Fatalf("unmapped user: err = %v", err)
	}
}

// Data classes come from SecMaster's list, in either number.
func TestDataClassesFromTheDocumentedList(t *testing.T) {
	rec := &recorder{}
	a, err := registry(rec).Parse("unlink inc-1 v-1 --to Vulnerability", alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if rec.assoc.RelatedDataClass != "vulnerabilities" || rec.assoc.DataClass != "incidents" {
		t.Fatalf("association = %+v", rec.assoc)
	}
}

func TestBadInputIsRejectedWithAClearMessage(t *testing.T) {
	long := strings.Repeat("x", 201)
	create := `create --description d --level p1 --type security --app a --interrupted no --assignee u `
	for _, tc := range []struct {
		line string
		want string // part of the message
	}{
		{"explode everything", `"explode" is not a command I know`},
		{"delete", "which incidents?"},
		{"delete , ,", "which incidents?"},
		{"delete inc/../../x", `"inc/../../x" is not a valid ID`},
		{"delete a?b=c", `"a?b=c" is not a valid ID`},
		{"delete ..", `".." is not a valid ID`},
		{"delete a --force", "delete has no option --force. Its options are --dry-run."},
		{"accept IM1 --force", "accept has no option --force. It takes no options."},
		{"delete " + idsN(201), "201 IDs; one command takes at most 200"},
		{"unlink inc-1", "at least one alert ID"},
		{"unlink inc-1 a --to 'bad class!'", "is not a SecMaster data class: use one of alerts, incidents, indicators, vulnerabilities"},
		{"unlink inc-1 a --to widgets", `"widgets" is not a SecMaster data class`},
		{"create --title t --description d --level p1 --type inc_type_typo --app a --interrupted no --assignee u", `--type "inc_type_typo" is not one of the choices`},
		{"resolve IM1 --cause c --solution s", "missing --type"},
		{"unassign", "which incidents?"},
		{create + "--title " + long, "--title is 201 characters long; the limit is 200"},
		{"create --title t --description " + strings.Repeat("d", 601), "--description is 601 characters long; the limit is 600"},
		{"create --title t --level p9", "--level \"p9\" is not one of the choices: p1 (level_10)"},
		{"create --title t --description d --level p1 --type bogus --app a --interrupted no --assignee u", `--type "bogus" is not one of the choices`},
		{create + "--title t --scene s", "not both"},
		{"create --title t --description d --level p1 --type security --app a --interrupted no --scene s", "--scene and --role go together"},
		{"create --title t --description d --level p1 --type security --app a --interrupted no", "needs an owner"},
		{"create --title t", "missing --description, --level, --type, --app, --interrupted"},
		{"create --title", "--title needs a value"},
		{"create --title t --title u", "--title is given twice"},
		{`create --title ""`, "--title is empty"},
		{create + "--title t --interrupted maybe", "given twice"},
		{"verify", "which ticket?"},
		{"verify IM1", "exactly one of --pass or --fail"},
		{"verify IM1 --pass --fail", "exactly one of --pass or --fail"},
		{"verify IM1 --pass=yes", "--pass takes no value"},
		{"verify IM1 --pass --comment " + strings.Repeat("c", 301), "--comment is 301 characters long; the limit is 300"},
		{"verify IM1 IM2 --pass", "verify takes one ticket"},
		{`delete "unclosed`, "a quote (\") is never closed"},
		{"help nope", `there is no command "nope"`},
	} {
		rec := &recorder{}
		_, err := registry(rec).Parse(tc.line, alice)
		if err == nil {
			t.Errorf("%q was accepted", truncate(tc.line))
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: message %q does not say %q", truncate(tc.line), err, tc.want)
		}
		var ue *commands.UsageError
		if errors.As(err, &ue) && ue.Usage == "" {
			t.Errorf("%q: no usage shown with the error", truncate(tc.line))
		}
		if rec.calls != 0 {
			t.Errorf("%q: a vendor was called", truncate(tc.line))
		}
	}
}

func TestUnconfiguredVendorSaysWhatToSet(t *testing.T) {
	reg := commands.New(commands.Deps{NotConfigured: map[string]string{"Coralogix": "set CORALOGIX_API_KEY"}})
	_, err := reg.Parse("unassign cx-1", alice)
	var nc *commands.NotConfiguredError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "CORALOGIX_API_KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestHelpComesFromTheRegistry(t *testing.T) {
	reg := registry(&recorder{})
	a, err := reg.Parse("", alice)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := a.Run(context.Background(), nil)
	r := res.Reply
	for _, verb := range []string{"help", "create", "verify", "delete", "unlink", "unassign"} {
		if !strings.Contains(r.Code, verb+" ") {
			t.Errorf("overview does not list %s:\n%s", verb, r.Code)
		}
	}
	a, _ = reg.Parse("help delete", alice)
	res, _ = a.Run(context.Background(), nil)
	r = res.Reply
	if !strings.Contains(r.Code, "/incident delete INCIDENT_ID...") || !strings.Contains(strings.Join(r.Lines, " "), "at most 200") {
		t.Errorf("help delete = %+v", r)
	}
}

func idsN(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "id-%d ", i)
	}
	return b.String()
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func TestOneOptionMistakeShowsThatOptionOnly(t *testing.T) {
	_, err := registry(&recorder{}).Parse("create --title t --level p9", alice)
	var ue *commands.UsageError
	if !errors.As(err, &ue) || ue.Field != "level" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(ue.Usage, "--level LEVEL  severity") || strings.Contains(ue.Usage, "--description TEXT  details") || !strings.Contains(ue.Usage, "/incident help create") {
		t.Errorf("usage for a bad --level:\n%s", ue.Usage)
	}
	_, err = registry(&recorder{}).Parse("create --title t", alice)
	if !errors.As(err, &ue) || !strings.Contains(ue.Usage, "--description TEXT  details") || !strings.Contains(ue.Usage, "--app APP_ID") {
		t.Errorf("missing options should show the whole usage:\n%v", err)
	}
}

// The lifecycle verbs send COC the step, the ticket and the operator, and
// resolve sends its cause, solution, type and interruption.
func TestTicketLifecycleVerbs(t *testing.T) {
	rec := &recorder{}
	reg := registry(rec)
	for _, tc := range []struct {
		line string
		want vendors.TicketOp
	}{
		{"accept IM1", vendors.TicketOp{Step: vendors.Accept, Ticket: "IM1", Operator: "op-1"}},
		{`resolve IM1 --cause "disk full" --solution "rotated logs" --type reliability --interrupted yes`,
			vendors.TicketOp{Step: vendors.Resolve, Ticket: "IM1", Operator: "op-1", Type: "inc_type_p_reliability_issues", ServiceInterrupt: true, Cause: "disk full", Solution: "rotated logs"}},
		{"verify IM1 --result fail --comment back", vendors.TicketOp{Step: vendors.Verify, Ticket: "IM1", Operator: "op-1", Passed: false, Comment: "back"}},
		{"verify IM1 --pass --comment ok", vendors.TicketOp{Step: vendors.Verify, Ticket: "IM1", Operator: "op-1", Passed: true, Comment: "ok"}},
	} {
		a, err := reg.Parse(tc.line, alice)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if a.Destructive() {
			t.Errorf("%q asks for confirmation", tc.line)
		}
		res, err := a.Run(context.Background(), nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if !reflect.DeepEqual(rec.handled, tc.want) {
			t.Errorf("%q sent %+v, want %+v", tc.line, rec.handled, tc.want)
		}
		if !res.Reply.Public || !strings.Contains(res.Reply.Title, "Ticket IM1") {
			t.Errorf("%q reply = %+v", tc.line, res.Reply)
		}
	}
	if _, err := reg.Parse("verify IM1 --pass --result pass", alice); err == nil {
		t.Error("--pass with --result was accepted")
	}
}
