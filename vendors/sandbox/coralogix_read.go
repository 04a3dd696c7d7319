package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
)

// batchGet is IncidentsService_BatchGetIncident.
func (s *Sandbox) batchGet(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["ids"]
	if len(ids) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "ids must not be empty"})
		return
	}
	found, missing := map[string]any{}, []string{}
	s.mu.Lock()
	for _, id := range ids {
		if inc, ok := s.coralogix[id]; ok {
			found[id] = inc.json()
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"incidents": found, "notFoundIds": missing})
}

// listCoralogix is IncidentsService_ListIncidents: the filter's state,
// status, severity and assignee lists, newest first, a page at a time
// (the page token is the offset).
func (s *Sandbox) listCoralogix(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Filter struct {
			State, Status, Severity, Assignee []string
		} `json:"filter"`
		Pagination struct {
			PageSize  int    `json:"pageSize"`
			PageToken string `json:"pageToken"`
		} `json:"pagination"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "invalid body: " + err.Error()})
		return
	}
	size, offset := b.Pagination.PageSize, 0
	if size <= 0 {
		size = 50
	}
	if t := b.Pagination.PageToken; t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "invalid page token"})
			return
		}
		offset = n
	}
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	s.mu.Lock()
	var all []cxIncident
	for _, inc := range s.coralogix {
		assigned := len(b.Filter.Assignee) == 0 || slices.ContainsFunc(inc.Assignees, func(a string) bool { return slices.Contains(b.Filter.Assignee, a) })
		if in(b.Filter.State, inc.State) && in(b.Filter.Status, inc.Status) && in(b.Filter.Severity, inc.Severity) && assigned {
			c := *inc
			c.Assignees = slices.Clone(inc.Assignees)
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	page := []any{}
	for _, inc := range all[min(offset, len(all)):min(offset+size, len(all))] {
		page = append(page, inc.json())
	}
	pagination := map[string]any{"totalSize": len(all)}
	if offset+size < len(all) {
		pagination["nextPageToken"] = strconv.Itoa(offset + size)
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": page, "pagination": pagination})
}
