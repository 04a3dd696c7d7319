package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// sandboxVars run the bot on the terminal against the built-in sandbox.
func sandboxVars(extra ...string) map[string]string {
	vars := map[string]string{"USER": "alice"}
	for i := 0; i+1 < len(extra); i += 2 {
		vars[extra[i]] = extra[i+1]
	}
	return vars
}

// block is the reply that starts with title, up to its blank line.
func block(t *testing.T, out, title string) string {
	t.Helper()
	i := strings.Index(out, title)
	if i < 0 {
		t.Fatalf("no reply %q in:\n%s", title, out)
	}
	b, _, _ := strings.Cut(out[i:], "\n\n")
	return b
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("missing %q in:\n%s", l, text)
		}
	}
}

func TestTerminalConfirmationShowsTheTargetsAsSecMasterSeesThem(t *testing.T) {
	_, out, _ := runBot(t, sandboxVars(), "delete inc-1001 inc-1003 inc-9999\nconfirm\ndelete inc-1001\n")
	first := block(t, out, "! Confirm: delete incidents (3)?")
	wantLines(t, first,
		"inc-1001: Brute-force logins against bastion-eu-1 · High · Open · alice",
		"inc-1003: Test incident from playbook dry run · Tips · Open · no owner",
		"inc-9999: not found: SecMaster does not know this ID",
		"1 of these IDs is not found in SecMaster",
		"[Confirm] [Cancel]")
	// Confirm runs the IDs as typed, the unknown one included: the look-up
	// changed nothing of what runs.
	wantLines(t, block(t, out, "! SecMaster: deleted 2 of 3"), "inc-9999: listed in error_ids by SecMaster")
	// The delete invalidated what it touched: the cached "Open" is gone.
	again := block(t, out, "! Confirm: delete incidents (1)? SecMaster knows none of these IDs")
	wantLines(t, again, "inc-1001: not found")
}

func TestTerminalUnlinkShowsLinksAndUnassignShowsAssignees(t *testing.T) {
	_, out, _ := runBot(t, sandboxVars(), "unlink inc-1001 alert-2001 alert-2004\ncancel\nunassign cx-3001 cx-3002\n")
	wantLines(t, block(t, out, "! Confirm: unlink alerts from incident inc-1001 (2)?"),
		"Incident inc-1001: Brute-force logins against bastion-eu-1 · High · Open · alice.",
		"alert-2001: linked to inc-1001 · SSH brute force from 198.51.100.23 · High · Open · alice",
		"alert-2004: NOT linked to inc-1001 (nothing to unlink) · Large SELECT on db-reporting-2")
	wantLines(t, block(t, out, "! Confirm: remove user assignments from incidents (2)?"),
		"cx-3001: Checkout API 5xx rate above 2% · INCIDENT_SEVERITY_CRITICAL · INCIDENT_STATUS_TRIGGERED · assigned to oncall@example.com",
		"cx-3002: db-primary replication lag over 30s · INCIDENT_SEVERITY_ERROR · INCIDENT_STATUS_ACKNOWLEDGED · assigned to oncall@example.com, dba@example.com")
}

func TestTerminalTicketCardShowsCOCsStateAfterEachStep(t *testing.T) {
	const ticket = "IM202611220001"
	_, out, _ := runBot(t, sandboxVars(), strings.Join([]string{
		"show " + ticket,
		"accept " + ticket,
		"verify " + ticket + " --pass", // out of order: COC refuses it, and says where the ticket is
		"resolve " + ticket + ` --cause "disk full" --solution "rotated logs" --type reliability`,
		"verify " + ticket + " --pass",
	}, "\n")+"\n")
	wantLines(t, block(t, out, "· COC ticket "+ticket+": Payment db failover degraded checkout"), "status created · assignee oncall-user")
	const card = "COC says: Payment db failover degraded checkout · level P2 (level_20) · status "
	wantLines(t, block(t, out, "✓ Ticket "+ticket+": accepted"), card+"accepted · assignee oncall-user")
	wantLines(t, block(t, out, "✗ COC refused the request"), card+"accepted")
	wantLines(t, block(t, out, "✓ Ticket "+ticket+": solution submitted"), card+"solution_submitted")
	wantLines(t, block(t, out, "✓ Ticket "+ticket+": verification passed"), card+"verified")
}

func TestTerminalConfirmationSaysWhyTheLookupFailedAndStillWorks(t *testing.T) {
	_, out, _ := runBot(t, sandboxVars("INCIDENTBOT_SANDBOX_FAULTS", "secmaster.search=503"), "delete inc-1001 inc-1003\nconfirm\n")
	wantLines(t, block(t, out, "! Confirm: delete incidents (2)?"),
		"Could not look these up: SecMaster gave no trustworthy answer (HTTP 503",
		"you are confirming the IDs as typed",
		"inc-1001: could not look up")
	block(t, out, "✓ SecMaster: deleted 2 of 2")
}

func TestTerminalShowAndList(t *testing.T) {
	_, out, _ := runBot(t, sandboxVars(), strings.Join([]string{
		"show inc-1002", "show alert-2005", "show cx-3002", "show nope-1",
		"list incidents --status all --limit 2", "list incidents --status all --limit 2 --page 2",
		"list tickets", "list alerts inc-1001", "list coralogix --severity INCIDENT_SEVERITY_ERROR",
	}, "\n")+"\n")
	wantLines(t, block(t, out, "· SecMaster incident inc-1002: Bulk export from db-reporting-2 outside business hours"),
		"severity Fatal · status Open · owner bob", "Linked alerts", "alert-2004: Large SELECT on db-reporting-2 · High · Open · bob")
	wantLines(t, block(t, out, "· SecMaster alert alert-2005: Unsigned binary executed on web-3"), "status Closed")
	wantLines(t, block(t, out, "· Coralogix incident cx-3002: db-primary replication lag over 30s"), "owner oncall@example.com, dba@example.com")
	wantLines(t, block(t, out, "! Not found: nope-1"), "SecMaster and Coralogix answered that they do not know this ID")
	page1 := block(t, out, "· SecMaster incidents: 2 of 5 (every status, newest first)")
	wantLines(t, page1, "inc-1005: Malware beacon from db-backup-1 · Medium · Block · carol", "inc-1003: Test incident", "Next page: list incidents --status all --limit 2 --page 2")
	page2 := out[strings.Index(out, page1)+len(page1):]
	wantLines(t, block(t, page2, "· SecMaster incidents: 2 of 5"), "inc-1002: Bulk export", "inc-1001: Brute-force", "--page 4")
	wantLines(t, block(t, out, "· COC tickets: 2 of 2 (open, newest first)"), "IM202611220001: Payment db failover degraded checkout · P2 · created · oncall-user")
	wantLines(t, block(t, out, "· SecMaster alerts linked to inc-1001: 3 of 3"), "alert-2001", "alert-2002", "alert-2003")
	cx := block(t, out, "· Coralogix incidents: 1")
	wantLines(t, cx, "cx-3002")
	if strings.Contains(cx, "cx-3001") {
		t.Errorf("the severity filter let cx-3001 through:\n%s", cx)
	}
}

func TestReadVerbsRefusedByThePolicyReadNothing(t *testing.T) {
	sm, cx := vendortest.New(t, vendortest.SecMasterEcho), vendortest.New(t, coralogixEcho)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("rules:\n  - verbs: [delete]\n    request: [console]\n  - verbs: [show, list]\n    request: [slack:U1]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := configured(sm.URL, cx.URL)
	vars["INCIDENTBOT_POLICY"] = policy
	_, out, _ := runBot(t, vars, "show inc-1\nlist incidents\nlist coralogix\n")
	if n := strings.Count(out, "✗ Not allowed: nothing was run."); n != 3 {
		t.Errorf("%d refusals, want 3:\n%s", n, out)
	}
	if n := len(sm.Requests()) + len(cx.Requests()); n != 0 {
		t.Errorf("a refused read made %d vendor requests", n)
	}
	if strings.Contains(out, "inc-1:") {
		t.Errorf("a refusal showed something:\n%s", out)
	}
	// The look-ups of a confirmation are covered by the verb asked for:
	// delete alone lets them read.
	_, out, _ = runBot(t, vars, "delete inc-1\n")
	if !strings.Contains(out, "Confirm: delete incidents (1)?") || len(sm.Requests()) == 0 || sm.Count(http.MethodDelete) != 0 {
		t.Errorf("delete's look-ups: %d requests, %d deletes\n%s", len(sm.Requests()), sm.Count(http.MethodDelete), out)
	}
}

func TestReadsAreAudited(t *testing.T) {
	_, _, logs := runBot(t, sandboxVars("INCIDENTBOT_LOG_FORMAT", "json"), "show inc-1002\nlist tickets\n")
	var show, list string
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"event":"result"`) {
			continue
		}
		switch {
		case strings.Contains(line, `"verb":"show"`):
			show = line
		case strings.Contains(line, `"verb":"list"`):
			list = line
		}
	}
	// Who looked at what: the user and every ID the reply showed.
	wantLines(t, show, `"user":"alice"`, `"target":"inc-1002"`, `"shown":["inc-1002","alert-2004"]`)
	wantLines(t, list, `"user":"alice"`, `"operation":"list tickets"`, `"shown":["IM202611220001","IM202611220002"]`)
}
