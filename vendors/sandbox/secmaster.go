package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/incidentbot/incidentbot/vendors"
)

func secmasterError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"code": code, "message": msg})
}

// secmasterBody checks the documented content-type header and decodes ids.
func secmasterBody(w http.ResponseWriter, r *http.Request, field string) ([]string, bool) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
		secmasterError(w, "SecMaster.00040000", "content-type must be application/json;charset=UTF-8")
		return nil, false
	}
	var body map[string][]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body[field]) == 0 {
		secmasterError(w, "SecMaster.00040001", field+" must be a non-empty array of strings")
		return nil, false
	}
	return body[field], true
}

func batchAnswer(w http.ResponseWriter, success, failed []string, extra map[string]any) {
	body := map[string]any{"code": "00000000", "message": "", "data": map[string][]string{"success_ids": success, "error_ids": failed}}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Sandbox) deleteIncidents(w http.ResponseWriter, r *http.Request) {
	ids, ok := secmasterBody(w, r, "batch_ids")
	if !ok {
		return
	}
	s.mu.Lock()
	success, failed := []string{}, []string{}
	for _, id := range ids {
		if s.incidents[id] != nil {
			delete(s.incidents, id)
			success = append(success, id)
		} else {
			failed = append(failed, id)
		}
	}
	s.mu.Unlock()
	batchAnswer(w, success, failed, nil)
}

func (s *Sandbox) cancelAssociation(w http.ResponseWriter, r *http.Request) {
	for _, class := range []string{r.PathValue("dataclass"), r.PathValue("related")} {
		if plural, ok := vendors.NormalizeDataClass(class); !ok || plural != class {
			secmasterError(w, "SecMaster.00040002", "data class must be one of the documented classes, plural and lowercase: "+class)
			return
		}
	}
	ids, ok := secmasterBody(w, r, "ids")
	if !ok {
		return
	}
	key := r.PathValue("dataclass") + "/" + r.PathValue("object") + "/" + r.PathValue("related")
	s.mu.Lock()
	success, failed := []string{}, []string{}
	for _, id := range ids {
		if s.relations[key][id] {
			delete(s.relations[key], id)
			success = append(success, id)
		} else {
			failed = append(failed, id)
		}
	}
	s.mu.Unlock()
	batchAnswer(w, success, failed, map[string]any{"request_id": w.Header().Get("X-Request-Id"), "success": len(failed) == 0})
}
