package sandbox

import "time"

// smObject is a SecMaster incident or alert, with the fields its search
// answers carry.
type smObject struct {
	ID, Title, Severity, Status, Owner string
	Created, Updated                   time.Time
}

// cxIncident is a Coralogix incident.
type cxIncident struct {
	ID, Name, Severity, State, Status string
	Assignees                         []string
	Created, Updated                  time.Time
}

// cxCase is a Coralogix case.
type cxCase struct {
	ID, ReadableID, Title, Assignee string
}

// ticket is a COC incident ticket.
type ticket struct {
	Number, Title, Level, Assignee string
	State                          TicketState
	Created, Updated               time.Time
}

// Demo data the sandbox starts with; the README's tour uses these IDs.
// Some titles hold "db", for look-ups by title.
var (
	DemoIncidents    = []string{"inc-1001", "inc-1002", "inc-1003", "inc-1004", "inc-1005"}
	DemoAlerts       = map[string][]string{"inc-1001": {"alert-2001", "alert-2002", "alert-2003"}, "inc-1002": {"alert-2004"}}
	DemoCoralogix    = []string{"cx-3001", "cx-3002", "cx-3003"}
	DemoCases        = []string{"CASE-101", "CASE-102"}
	DemoTicket       = "IM202611220001" // created: ready to accept
	DemoSolvedTicket = "IM202611220002" // solution submitted: ready to verify
)

// seedTime is when the demo data was "last updated": fixed, so lists sort
// the same on every run.
var seedTime = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return seedTime.Add(-d) }

func (s *Sandbox) seed() {
	s.incidents = map[string]*smObject{}
	for _, o := range []smObject{
		{ID: "inc-1001", Title: "Brute-force logins against bastion-eu-1", Severity: "High", Status: "Open", Owner: "alice", Created: ago(5 * time.Hour), Updated: ago(20 * time.Minute)},
		{ID: "inc-1002", Title: "Bulk export from db-reporting-2 outside business hours", Severity: "Fatal", Status: "Open", Owner: "bob", Created: ago(4 * time.Hour), Updated: ago(35 * time.Minute)},
		{ID: "inc-1003", Title: "Test incident from playbook dry run", Severity: "Tips", Status: "Open", Created: ago(3 * time.Hour), Updated: ago(3 * time.Hour)},
		{ID: "inc-1004", Title: "Port scan from 203.0.113.7 (stale)", Severity: "Low", Status: "Closed", Owner: "alice", Created: ago(72 * time.Hour), Updated: ago(48 * time.Hour)},
		{ID: "inc-1005", Title: "Malware beacon from db-backup-1", Severity: "Medium", Status: "Block", Owner: "carol", Created: ago(2 * time.Hour), Updated: ago(10 * time.Minute)},
	} {
		s.incidents[o.ID] = &o
	}
	s.alerts = map[string]*smObject{}
	for _, o := range []smObject{
		{ID: "alert-2001", Title: "SSH brute force from 198.51.100.23", Severity: "High", Status: "Open", Owner: "alice", Created: ago(5 * time.Hour), Updated: ago(5 * time.Hour)},
		{ID: "alert-2002", Title: "Impossible travel for user ops-admin", Severity: "Medium", Status: "Open", Owner: "alice", Created: ago(5 * time.Hour), Updated: ago(4 * time.Hour)},
		{ID: "alert-2003", Title: "MFA failures burst on bastion-eu-1", Severity: "Low", Status: "Open", Created: ago(4 * time.Hour), Updated: ago(4 * time.Hour)},
		{ID: "alert-2004", Title: "Large SELECT on db-reporting-2", Severity: "High", Status: "Open", Owner: "bob", Created: ago(4 * time.Hour), Updated: ago(4 * time.Hour)},
		{ID: "alert-2005", Title: "Unsigned binary executed on web-3", Severity: "Medium", Status: "Closed", Created: ago(30 * time.Hour), Updated: ago(29 * time.Hour)},
	} {
		s.alerts[o.ID] = &o
	}
	s.relations = map[string]map[string]bool{}
	for inc, alerts := range DemoAlerts {
		set := map[string]bool{}
		for _, a := range alerts {
			set[a] = true
		}
		s.relations["incidents/"+inc+"/alerts"] = set
	}
	s.coralogix = map[string]*cxIncident{}
	for _, c := range []cxIncident{
		{ID: "cx-3001", Name: "Checkout API 5xx rate above 2%", Severity: "INCIDENT_SEVERITY_CRITICAL", State: "INCIDENT_STATE_TRIGGERED", Status: "INCIDENT_STATUS_TRIGGERED",
			Assignees: []string{"oncall@example.com"}, Created: ago(90 * time.Minute), Updated: ago(15 * time.Minute)},
		{ID: "cx-3002", Name: "db-primary replication lag over 30s", Severity: "INCIDENT_SEVERITY_ERROR", State: "INCIDENT_STATE_TRIGGERED", Status: "INCIDENT_STATUS_ACKNOWLEDGED",
			Assignees: []string{"oncall@example.com", "dba@example.com"}, Created: ago(60 * time.Minute), Updated: ago(5 * time.Minute)},
		{ID: "cx-3003", Name: "Login latency p99 above 1.5s", Severity: "INCIDENT_SEVERITY_WARNING", State: "INCIDENT_STATE_TRIGGERED", Status: "INCIDENT_STATUS_TRIGGERED",
			Assignees: []string{"oncall@example.com"}, Created: ago(30 * time.Minute), Updated: ago(30 * time.Minute)},
	} {
		s.coralogix[c.ID] = &c
	}
	s.cases = map[string]*cxCase{}
	for _, c := range []cxCase{
		{ID: "3f166e9f-3c88-4af2-b52e-138f339dab3e", ReadableID: "CASE-101", Title: "Checkout errors spike", Assignee: "oncall@example.com"},
		{ID: "9c858901-8a57-4791-81fe-4c455b099bc9", ReadableID: "CASE-102", Title: "db-primary disk pressure", Assignee: "dba@example.com"},
	} {
		s.cases[c.ReadableID] = &c
	}
	s.tickets = map[string]*ticket{}
	for _, t := range []ticket{
		{Number: DemoTicket, Title: "Payment db failover degraded checkout", Level: "level_20", Assignee: "oncall-user", State: TicketCreated, Created: ago(50 * time.Minute), Updated: ago(50 * time.Minute)},
		{Number: DemoSolvedTicket, Title: "Login errors after certificate rotation", Level: "level_30", Assignee: "oncall-user", State: TicketSolved, Created: ago(26 * time.Hour), Updated: ago(2 * time.Hour)},
	} {
		s.tickets[t.Number] = &t
	}
}
