package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

const timeRFC3339 = time.RFC3339

// smTime is SecMaster's timestamp format (ISO 8601 with milliseconds).
const smTime = "2006-01-02T15:04:05.000Z07:00"

// search is a DataobjectSearch body.
type search struct {
	Limit     *int   `json:"limit"`
	Offset    *int   `json:"offset"`
	SortBy    string `json:"sort_by"`
	Order     string `json:"order"`
	Condition *struct {
		Conditions []struct {
			Name string   `json:"name"`
			Data []string `json:"data"`
		} `json:"conditions"`
		Logics []string `json:"logics"`
	} `json:"condition"`
}

// decodeSearch checks the content type and reads the body; it answers
// 400 itself when either is wrong.
func decodeSearch(w http.ResponseWriter, r *http.Request) (search, bool) {
	var q search
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
		secmasterError(w, "SecMaster.00040000", "content-type must be application/json;charset=UTF-8")
		return q, false
	}
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		secmasterError(w, "SecMaster.00040001", "invalid search body: "+err.Error())
		return q, false
	}
	if q.Limit != nil && (*q.Limit < 1 || *q.Limit > 1000) || q.Offset != nil && *q.Offset < 0 {
		secmasterError(w, "SecMaster.00040001", "limit must be 1 to 1000 and offset at least 0")
		return q, false
	}
	return q, true
}

// fields a condition may name, read from an object.
var smFields = map[string]func(o *smObject) string{
	"id": func(o *smObject) string { return o.ID }, "title": func(o *smObject) string { return o.Title },
	"severity": func(o *smObject) string { return o.Severity }, "handle_status": func(o *smObject) string { return o.Status },
	"owner": func(o *smObject) string { return o.Owner },
}

// matcher compiles the condition: named [field, "=", value] expressions
// combined by logics with "and", "or" and parentheses ("and" binds
// tighter). Only "=" is emulated, the operator the bot sends.
func (q search) matcher() (func(*smObject) bool, error) {
	if q.Condition == nil || len(q.Condition.Conditions) == 0 {
		return func(*smObject) bool { return true }, nil
	}
	named := map[string]func(*smObject) bool{}
	for _, c := range q.Condition.Conditions {
		if len(c.Data) != 3 {
			return nil, fmt.Errorf("condition %q: data must be [field, operator, value]", c.Name)
		}
		get, ok := smFields[c.Data[0]]
		if !ok {
			return nil, fmt.Errorf("condition %q: unknown field %q", c.Name, c.Data[0])
		}
		if c.Data[1] != "=" {
			return nil, fmt.Errorf("condition %q: operator %q is not supported", c.Name, c.Data[1])
		}
		want := c.Data[2]
		named[c.Name] = func(o *smObject) bool { return get(o) == want }
	}
	logics := q.Condition.Logics
	if len(logics) == 0 && len(named) == 1 {
		for name := range named {
			logics = []string{name}
		}
	}
	p := &logicParser{tokens: logics, named: named}
	m, err := p.or()
	if err == nil && p.pos != len(p.tokens) {
		err = fmt.Errorf("logics: unexpected %q", p.tokens[p.pos])
	}
	return m, err
}

type logicParser struct {
	tokens []string
	pos    int
	named  map[string]func(*smObject) bool
}

func (p *logicParser) or() (func(*smObject) bool, error) {
	left, err := p.and()
	for err == nil && p.pos < len(p.tokens) && strings.EqualFold(p.tokens[p.pos], "or") {
		p.pos++
		var right func(*smObject) bool
		if right, err = p.and(); err == nil {
			l := left
			left = func(o *smObject) bool { return l(o) || right(o) }
		}
	}
	return left, err
}

func (p *logicParser) and() (func(*smObject) bool, error) {
	left, err := p.term()
	for err == nil && p.pos < len(p.tokens) && strings.EqualFold(p.tokens[p.pos], "and") {
		p.pos++
		var right func(*smObject) bool
		if right, err = p.term(); err == nil {
			l := left
			left = func(o *smObject) bool { return l(o) && right(o) }
		}
	}
	return left, err
}

func (p *logicParser) term() (func(*smObject) bool, error) {
	if p.pos >= len(p.tokens) {
		return nil, fmt.Errorf("logics: ends early")
	}
	tok := p.tokens[p.pos]
	p.pos++
	if tok == "(" {
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.tokens) || p.tokens[p.pos] != ")" {
			return nil, fmt.Errorf("logics: unclosed (")
		}
		p.pos++
		return m, nil
	}
	m, ok := p.named[tok]
	if !ok {
		return nil, fmt.Errorf("logics: %q names no condition", tok)
	}
	return m, nil
}

// answer writes the objects that match q, a page of them, in SecMaster's
// search answer shape.
func (s *Sandbox) answerSearch(w http.ResponseWriter, r *http.Request, objects func() []*smObject, incidentsOf func(id string) []string) {
	q, ok := decodeSearch(w, r)
	if !ok {
		return
	}
	match, err := q.matcher()
	if err != nil {
		secmasterError(w, "SecMaster.00040003", "invalid condition: "+err.Error())
		return
	}
	s.mu.Lock()
	var all []*smObject
	for _, o := range objects() {
		if match(o) {
			c := *o
			all = append(all, &c)
		}
	}
	related := map[string][]string{}
	if incidentsOf != nil {
		for _, o := range all {
			related[o.ID] = incidentsOf(o.ID)
		}
	}
	s.mu.Unlock()
	asc := strings.EqualFold(q.Order, "ASC")
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if asc {
			a, b = b, a
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.After(b.Created)
		}
		return a.ID > b.ID
	})
	limit, offset := 10, 0
	if q.Limit != nil {
		limit = *q.Limit
	}
	if q.Offset != nil {
		offset = *q.Offset
	}
	data := []map[string]any{}
	for _, o := range all[min(offset, len(all)):min(offset+limit, len(all))] {
		obj := map[string]any{"id": o.ID, "title": o.Title, "severity": o.Severity, "handle_status": o.Status, "owner": o.Owner,
			"create_time": o.Created.Format(smTime), "update_time": o.Updated.Format(smTime)}
		if incidentsOf != nil {
			obj["incident_list"] = related[o.ID]
		}
		data = append(data, map[string]any{"id": o.ID, "create_time": o.Created.Format(smTime), "update_time": o.Updated.Format(smTime),
			"workspace_id": r.PathValue("workspace"), "project_id": r.PathValue("project"), "data_object": obj})
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": "00000000", "message": "", "success": true, "total": len(all), "size": len(data), "page": offset/max(limit, 1) + 1, "data": data})
}

// searchIncidents is ListIncidents.
func (s *Sandbox) searchIncidents(w http.ResponseWriter, r *http.Request) {
	s.answerSearch(w, r, func() []*smObject { return values(s.incidents) }, nil)
}

// searchAlerts is ListAlerts; each alert lists the incidents it is linked to.
func (s *Sandbox) searchAlerts(w http.ResponseWriter, r *http.Request) {
	s.answerSearch(w, r, func() []*smObject { return values(s.alerts) }, s.incidentsOf)
}

// searchRelated is ListDataobjectRelations: the related objects of one
// data object.
func (s *Sandbox) searchRelated(w http.ResponseWriter, r *http.Request) {
	for _, class := range []string{r.PathValue("dataclass"), r.PathValue("related")} {
		if class != "incidents" && class != "alerts" && class != "indicators" && class != "vulnerabilities" {
			secmasterError(w, "SecMaster.00040002", "data class must be one of the documented classes, plural and lowercase: "+class)
			return
		}
	}
	key := r.PathValue("dataclass") + "/" + r.PathValue("object") + "/" + r.PathValue("related")
	s.answerSearch(w, r, func() []*smObject {
		var out []*smObject
		for id := range s.relations[key] {
			if a := s.alerts[id]; a != nil {
				out = append(out, a)
			}
		}
		return out
	}, s.incidentsOf)
}

// incidentsOf lists the existing incidents an alert is linked to (a
// deleted incident's relations stay, as the unlink API may still name
// them, but it is not listed); s.mu is held.
func (s *Sandbox) incidentsOf(alert string) []string {
	var out []string
	for key, set := range s.relations {
		inc := strings.TrimSuffix(strings.TrimPrefix(key, "incidents/"), "/alerts")
		if set[alert] && s.incidents[inc] != nil {
			out = append(out, inc)
		}
	}
	sort.Strings(out)
	return out
}

func values(m map[string]*smObject) []*smObject {
	out := make([]*smObject, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	return out
}
