// Package sandbox emulates the three vendor HTTP APIs in memory, so the bot
// runs end to end with no cloud account: the embedded default, and a fake
// for tests. It answers as the vendors' API pages show, including
// error_ids for unknown IDs and 400 bodies for invalid requests. It checks
// that requests are authenticated, not that signatures are valid.
package sandbox

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Demo data the sandbox starts with; the README's tour uses these IDs.
var (
	DemoIncidents       = []string{"inc-1001", "inc-1002", "inc-1003", "inc-1004", "inc-1005"}
	DemoAlerts          = map[string][]string{"inc-1001": {"alert-2001", "alert-2002", "alert-2003"}}
	DemoCoralogix       = []string{"cx-3001", "cx-3002", "cx-3003"}
	DemoTicket          = "IM202611220001"
	demoCoralogixAssign = "oncall@example.com"
)

// Sandbox holds the emulated state. The zero value is not usable: call New.
type Sandbox struct {
	mu        sync.Mutex
	incidents map[string]bool            // SecMaster incidents
	relations map[string]map[string]bool // "incidents/inc-1001/alerts" -> alert IDs
	coralogix map[string][]string        // incident ID -> assigned users
	tickets   map[string]bool            // COC ticket numbers
	nextNum   int
	server    *httptest.Server
}

// New returns a sandbox loaded with the demo data.
func New() *Sandbox {
	s := &Sandbox{
		incidents: map[string]bool{},
		relations: map[string]map[string]bool{},
		coralogix: map[string][]string{},
		tickets:   map[string]bool{DemoTicket: true},
		nextNum:   1,
	}
	for _, id := range DemoIncidents {
		s.incidents[id] = true
	}
	for inc, alerts := range DemoAlerts {
		set := map[string]bool{}
		for _, a := range alerts {
			set[a] = true
		}
		s.relations["incidents/"+inc+"/alerts"] = set
	}
	for _, id := range DemoCoralogix {
		s.coralogix[id] = []string{demoCoralogixAssign}
	}
	return s
}

// Start serves the sandbox on a loopback port and returns its base URL.
func (s *Sandbox) Start() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("sandbox: listen on loopback: %w", err)
	}
	s.server = &httptest.Server{Listener: l, Config: &http.Server{Handler: s.Handler()}}
	s.server.Start()
	return s.server.URL, nil
}

// Close stops the server started by Start.
func (s *Sandbox) Close() {
	if s.server != nil {
		s.server.Close()
	}
}

// Handler serves the three APIs.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /v1/{project}/workspaces/{workspace}/soc/incidents", huawei(s.deleteIncidents))
	mux.HandleFunc("DELETE /v1/{project}/workspaces/{workspace}/soc/{dataclass}/{object}/{related}", huawei(s.cancelAssociation))
	mux.HandleFunc("POST /v1/external/incident/create", huawei(s.createTicket))
	mux.HandleFunc("POST /v1/external/incident/handle", huawei(s.handleTicket))
	mux.HandleFunc("DELETE /mgmt/openapi/latest/incidents/incidents/v1/by-user", s.unassign)
	return mux
}

// huawei rejects unsigned requests the way Huawei Cloud's gateway does.
func huawei(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-") {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: missing signature"})
			return
		}
		next(w, r)
	}
}

func (s *Sandbox) deleteIncidents(w http.ResponseWriter, r *http.Request) {
	var body struct {
		BatchIDs []string `json:"batch_ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.BatchIDs) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "SecMaster.00040001", "message": "batch_ids must be a non-empty array of strings"})
		return
	}
	s.mu.Lock()
	success, failed := []string{}, []string{}
	for _, id := range body.BatchIDs {
		if s.incidents[id] {
			delete(s.incidents, id)
			success = append(success, id)
		} else {
			failed = append(failed, id)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"code": "00000000", "message": "",
		"data": map[string][]string{"success_ids": success, "error_ids": failed},
	})
}

func (s *Sandbox) cancelAssociation(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDs []string `json:"ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.IDs) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "SecMaster.00040001", "message": "ids must be a non-empty array of strings"})
		return
	}
	for _, class := range []string{r.PathValue("dataclass"), r.PathValue("related")} {
		if !strings.HasSuffix(class, "s") || strings.ToLower(class) != class {
			writeJSON(w, http.StatusBadRequest, map[string]string{"code": "SecMaster.00040002", "message": "data class must be plural and lowercase: " + class})
			return
		}
	}
	key := r.PathValue("dataclass") + "/" + r.PathValue("object") + "/" + r.PathValue("related")
	s.mu.Lock()
	success, failed := []string{}, []string{}
	for _, id := range body.IDs {
		if s.relations[key][id] {
			delete(s.relations[key], id)
			success = append(success, id)
		} else {
			failed = append(failed, id)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"code": "00000000", "message": "", "request_id": "sandbox", "success": len(failed) == 0,
		"data": map[string][]string{"success_ids": success, "error_ids": failed},
	})
}

func cocError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"provider_code": "049", "error_code": code, "error_msg": msg})
}

func (s *Sandbox) createTicket(w http.ResponseWriter, r *http.Request) {
	var b struct {
		App         []string `json:"current_cloud_service"`
		Level       string   `json:"incident_level"`
		Interrupt   string   `json:"is_service_interrupt"`
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
	for name, v := range map[string]string{"incident_level": b.Level, "is_service_interrupt": b.Interrupt, "incident_type": b.Type,
		"incident_title": b.Title, "incident_description": b.Description, "incident_source": b.Source, "creator": b.Creator} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(b.App) != 1 || b.App[0] == "" {
		missing = append(missing, "current_cloud_service")
	}
	sort.Strings(missing)
	switch {
	case len(missing) > 0:
		cocError(w, "COC.00040002", "missing mandatory parameters: "+strings.Join(missing, ", "))
	case utf8.RuneCountInString(b.Title) > 200 || utf8.RuneCountInString(b.Description) > 600:
		cocError(w, "COC.00040003", "incident_title exceeds 200 or incident_description exceeds 600 characters")
	case len(b.Assignee) == 0 && (b.Scene == "" || b.Role == ""):
		cocError(w, "COC.00040004", "incident_assignee, or assignee_scene with assignee_role, must be set")
	default:
		s.mu.Lock()
		num := fmt.Sprintf("IM2026112200%04d", s.nextNum+1)
		s.nextNum++
		s.tickets[num] = true
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": map[string]string{"incident_num": num}})
	}
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
	if _, ok := b.Parameter["virtual_confirm_result"].(bool); !ok || b.OperateKey != "confirm" || b.Operator == "" {
		cocError(w, "COC.00040002", "operator, operate_key=confirm and parameter.virtual_confirm_result are mandatory")
		return
	}
	s.mu.Lock()
	known := s.tickets[b.Num]
	s.mu.Unlock()
	if !known {
		cocError(w, "COC.00060001", "incident "+b.Num+" does not exist")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"provider_code": "049", "error_code": "GOM.00000000", "error_msg": nil, "data": nil})
}

func (s *Sandbox) unassign(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "sandbox-request")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
