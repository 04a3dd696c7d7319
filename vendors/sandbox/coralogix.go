package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// coralogixAuth rejects a request without an API key as Coralogix does.
func coralogixAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || strings.TrimSpace(key) == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"code": 16, "message": "missing API key"})
			return
		}
		next(w, r)
	}
}

func (s *Sandbox) unassign(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["incident_ids"]
	if len(ids) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "incident_ids must not be empty"})
		return
	}
	s.mu.Lock()
	incidents := []map[string]any{}
	var seen []string
	for _, id := range ids {
		inc, ok := s.coralogix[id]
		if !ok || slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		inc.Assignees, inc.Updated = nil, s.now()
		incidents = append(incidents, inc.json())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"incidents": incidents})
}

// unassignCases is CasesService_BulkUnassign: ids are UUIDs or readable IDs.
func (s *Sandbox) unassignCases(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["ids"]
	if len(ids) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "ids must not be empty"})
		return
	}
	s.mu.Lock()
	cases := []map[string]any{}
	for _, id := range ids {
		for _, c := range s.cases {
			if c.ID == id || c.ReadableID == id {
				c.Assignee = ""
				cases = append(cases, map[string]any{"id": c.ID, "readableId": c.ReadableID, "title": c.Title, "status": "CASE_STATUS_ACTIVE"})
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"cases": cases})
}

// json is the incident as Coralogix's Incident schema writes it.
func (c *cxIncident) json() map[string]any {
	assignments := []any{}
	for _, a := range c.Assignees {
		assignments = append(assignments, map[string]any{"assignedTo": map[string]any{"userId": a}, "assignedBy": map[string]any{"userId": "sandbox"}})
	}
	return map[string]any{"id": c.ID, "name": c.Name, "severity": c.Severity, "state": c.State, "status": c.Status,
		"assignments": assignments, "createdAt": c.Created.Format(timeRFC3339), "lastStateUpdateTime": c.Updated.Format(timeRFC3339)}
}
