package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/vendors"
)

func cocError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"provider_code": "049", "error_code": code, "error_msg": msg})
}

func cocOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": data})
}

// boolish reads a documented Boolean that clients also send as "true" or
// "false" (the page's own example does).
func boolish(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch b {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// oneOf checks an array the page allows "0 to 1" entries of at most 255
// characters.
func oneOf(name string, v []string, required bool) string {
	switch {
	case len(v) > 1:
		return name + " takes at most one value"
	case required && (len(v) == 0 || v[0] == ""):
		return "missing mandatory parameters: " + name
	case len(v) == 1 && tooLong(v[0], vendors.COCMaxField):
		return fmt.Sprintf("%s exceeds %d characters", name, vendors.COCMaxField)
	}
	return ""
}

func (s *Sandbox) createTicket(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Region      []string `json:"region"`
		EP          []string `json:"enterprise_project"`
		App         []string `json:"current_cloud_service"`
		Level       string   `json:"incident_level"`
		Interrupt   any      `json:"is_service_interrupt"`
		Type        string   `json:"incident_type"`
		Title       string   `json:"incident_title"`
		Description string   `json:"incident_description"`
		Source      string   `json:"incident_source"`
		Assignee    []string `json:"incident_assignee"`
		Scene       string   `json:"assignee_scene"`
		Role        string   `json:"assignee_role"`
		Creator     string   `json:"creator"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		cocError(w, "COC.00040001", "invalid request body: "+err.Error())
		return
	}
	var missing []string
	for name, v := range map[string]string{"incident_level": b.Level, "incident_type": b.Type,
		"incident_title": b.Title, "incident_description": b.Description, "incident_source": b.Source, "creator": b.Creator} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if b.Interrupt == nil {
		missing = append(missing, "is_service_interrupt")
	}
	if len(b.App) == 0 || b.App[0] == "" {
		missing = append(missing, "current_cloud_service")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		cocError(w, "COC.00040002", "missing mandatory parameters: "+strings.Join(missing, ", "))
		return
	}
	problems := []string{oneOf("current_cloud_service", b.App, true), oneOf("region", b.Region, false),
		oneOf("enterprise_project", b.EP, false), oneOf("incident_assignee", b.Assignee, false)}
	if _, ok := boolish(b.Interrupt); !ok {
		problems = append(problems, "is_service_interrupt must be true or false")
	}
	if !vendors.Valid(vendors.COCLevels, b.Level) {
		problems = append(problems, "incident_level must be one of "+strings.Join(vendors.Values(vendors.COCLevels), ", "))
	}
	if !vendors.Valid(vendors.COCIncidentTypes, b.Type) {
		problems = append(problems, "incident_type must be one of "+strings.Join(vendors.Values(vendors.COCIncidentTypes), ", "))
	}
	if !vendors.Valid(vendors.COCSources, b.Source) {
		problems = append(problems, "incident_source must be one of "+strings.Join(vendors.Values(vendors.COCSources), ", "))
	}
	if tooLong(b.Title, vendors.COCMaxTitle) || tooLong(b.Description, vendors.COCMaxDescription) {
		problems = append(problems, "incident_title exceeds 200 or incident_description exceeds 600 characters")
	}
	for name, v := range map[string]string{"creator": b.Creator, "assignee_scene": b.Scene, "assignee_role": b.Role} {
		if tooLong(v, vendors.COCMaxField) {
			problems = append(problems, fmt.Sprintf("%s exceeds %d characters", name, vendors.COCMaxField))
		}
	}
	if len(b.Assignee) == 0 && (b.Scene == "" || b.Role == "") {
		cocError(w, "COC.00040004", "incident_assignee, or assignee_scene with assignee_role, must be set")
		return
	}
	for _, p := range problems {
		if p != "" {
			cocError(w, "COC.00040003", p)
			return
		}
	}
	s.mu.Lock()
	s.nextNum++
	num := fmt.Sprintf("IM2026112200%04d", s.nextNum)
	now := s.now()
	t := &ticket{Number: num, Title: b.Title, Level: b.Level, State: TicketCreated, Created: now, Updated: now}
	if len(b.Assignee) > 0 {
		t.Assignee = b.Assignee[0]
	}
	s.tickets[num] = t
	s.mu.Unlock()
	cocOK(w, map[string]string{"incident_num": num})
}

// transitions: operate_key -> the state it needs, the state it leads to,
// and the step in words (a refusal names the step, not the API's key).
var transitions = map[string]struct {
	from, to TicketState
	step     string
}{
	"acceptedIncident1": {TicketCreated, TicketAccepted, "accepted"},
	"commitSolution1":   {TicketAccepted, TicketSolved, "given a solution"},
	"confirm":           {TicketSolved, TicketVerified, "verified"},
}

func (s *Sandbox) handleTicket(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Num        string         `json:"incident_num"`
		Operator   string         `json:"operator"`
		OperateKey string         `json:"operate_key"`
		Parameter  map[string]any `json:"parameter"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		cocError(w, "COC.00040001", "invalid request body: "+err.Error())
		return
	}
	if b.Num == "" || b.Operator == "" || b.OperateKey == "" {
		cocError(w, "COC.00040002", "missing mandatory parameters: incident_num, operator and operate_key are mandatory")
		return
	}
	t, ok := transitions[b.OperateKey]
	if !ok {
		cocError(w, "COC.00040002", "operate_key must be one of acceptedIncident1, commitSolution1, confirm")
		return
	}
	if msg := handleParameterProblem(b.OperateKey, b.Parameter); msg != "" {
		cocError(w, "COC.00040003", msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tk, known := s.tickets[b.Num]
	var state TicketState
	if known {
		state = tk.State
	}
	switch {
	case !known:
		cocError(w, "COC.00060001", "incident "+b.Num+" does not exist")
		return
	case state != t.from:
		cocError(w, "COC.00060002", fmt.Sprintf("incident %s is %s; it can be %s only when it is %s", b.Num, state, t.step, t.from))
		return
	}
	next := t.to
	if passed, _ := b.Parameter["virtual_confirm_result"].(bool); b.OperateKey == "confirm" && !passed {
		next = TicketAccepted // the solution did not hold: back to handling
	}
	tk.State, tk.Updated = next, s.now()
	cocOK(w, nil)
}

func handleParameterProblem(key string, p map[string]any) string {
	switch key {
	case "commitSolution1":
		if t, _ := p["mtm_type"].(string); !vendors.Valid(vendors.COCIncidentTypes, t) {
			return "parameter.mtm_type must be one of " + strings.Join(vendors.Values(vendors.COCIncidentTypes), ", ")
		}
		if _, ok := boolish(p["is_service_interrupt"]); !ok {
			return "parameter.is_service_interrupt must be true or false"
		}
		for _, name := range []string{"cause", "solution"} {
			v, _ := p[name].(string)
			if v == "" || tooLong(v, vendors.COCMaxSolution) {
				return fmt.Sprintf("parameter.%s is mandatory, at most %d characters", name, vendors.COCMaxSolution)
			}
		}
	case "confirm":
		if _, ok := p["virtual_confirm_result"].(bool); !ok {
			return "parameter.virtual_confirm_result is mandatory (true or false)"
		}
		c, ok := p["virtual_confirm_comment"].(string)
		if !ok || tooLong(c, vendors.COCMaxComment) {
			return fmt.Sprintf("parameter.virtual_confirm_comment is mandatory, at most %d characters", vendors.COCMaxComment)
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
