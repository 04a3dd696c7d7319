package sandbox

import (
	"net/http"
	"sort"
	"strconv"
)

// showTicket is ShowCocIncidentDetail. COC's page documents no answer for
// an unknown number; the sandbox answers 404 with a COC error body, which
// the client reads as "not found".
func (s *Sandbox) showTicket(w http.ResponseWriter, r *http.Request) {
	num := r.PathValue("num")
	s.mu.Lock()
	t, ok := s.tickets[num]
	var c ticket
	if ok {
		c = *t
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"provider_code": "049", "error_code": "COC.00060001", "error_msg": "incident " + num + " does not exist"})
		return
	}
	data := map[string]any{"incident_num": c.Number, "incident_title": c.Title, "incident_level": c.Level, "status": string(c.State),
		"create_time": c.Created.UnixMilli(), "creator": "sandbox"}
	if c.Assignee != "" {
		data["incident_assignee"] = []string{c.Assignee}
	}
	if c.State != TicketCreated {
		data["handle_time"] = c.Updated.UnixMilli()
	}
	cocOK(w, data)
}

// listTickets is ListIncidentSimpleTickets: offset is the page number
// (from 1), limit 1 to 100 (default 50); newest first.
func (s *Sandbox) listTickets(w http.ResponseWriter, r *http.Request) {
	page, limit := 1, 50
	for name, dst := range map[string]*int{"offset": &page, "limit": &limit} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "limit" && n > 100) {
				cocError(w, "COC.00040003", "offset must be at least 1 and limit 1 to 100")
				return
			}
			*dst = n
		}
	}
	s.mu.Lock()
	var all []ticket
	for _, t := range s.tickets {
		all = append(all, *t)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Created.Equal(all[j].Created) {
			return all[i].Created.After(all[j].Created)
		}
		return all[i].Number > all[j].Number
	})
	start := min((page-1)*limit, len(all))
	items := []map[string]any{}
	for _, t := range all[start:min(start+limit, len(all))] {
		item := map[string]any{"ticket_id": t.Number, "title": t.Title, "status": string(t.State), "level": t.Level, "source": "incident_source_manual", "creator": "sandbox"}
		if t.Assignee != "" {
			item["assignee"] = []string{t.Assignee}
		}
		items = append(items, item)
	}
	cocOK(w, map[string]any{"total": len(all), "data": items})
}
