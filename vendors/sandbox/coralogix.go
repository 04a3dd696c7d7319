package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

func (s *Sandbox) unassign(w http.ResponseWriter, r *http.Request) {
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || strings.TrimSpace(key) == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": 16, "message": "missing API key"})
		return
	}
	ids := r.URL.Query()["incident_ids"]
	if len(ids) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "incident_ids must not be empty"})
		return
	}
	s.mu.Lock()
	incidents := []map[string]any{}
	for _, id := range ids {
		if _, ok := s.coralogix[id]; !ok || slices.ContainsFunc(incidents, func(m map[string]any) bool { return m["id"] == id }) {
			continue
		}
		s.coralogix[id] = nil
		incidents = append(incidents, map[string]any{"id": id, "name": "Sandbox incident " + id, "assignments": []any{},
			"state": "INCIDENT_STATE_TRIGGERED", "status": "INCIDENT_STATUS_TRIGGERED"})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"incidents": incidents})
}
