package secmaster

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

// Reads go through SecMaster's search APIs with a DataobjectSearch body.
//
// The condition: the API pages give `conditions` as named expressions
// whose `data` is [field, operator, value] and `logics` as the names
// joined with "and"/"or" (the Terraform provider's documented example is
// {"name":"severity","data":["severity","=","Tips"]}, logics
// ["severity"]). The pages do not list the operators SecMaster accepts, so
// only "=" is sent, the one operator every published example uses: an ID
// look-up is id = a or id = b …, a filter is the values of one field
// joined with "or", fields joined with "and". Parentheses are sent only
// when a field has several values and another field is filtered too; a
// SecMaster that rejected them answers 4xx, which reads as "could not
// look up", never as a wrong list.
//
// Because an ignored condition would return other incidents, an ID
// look-up whose answer holds an ID not asked for is not trusted: every ID
// of that call is "could not look up". No time range is sent for ID
// look-ups (an incident may be old); lists are sorted by create_time,
// newest first.

// lookupBatch is how many IDs one search asks for.
const lookupBatch = 50

var _ vendors.SecMasterReader = (*Client)(nil)

// Incidents looks SOC incidents up by ID:
// POST /v1/{project_id}/workspaces/{workspace_id}/soc/incidents/search.
func (c *Client) Incidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	return lookupAll(ctx, ids, func(ctx context.Context, body *model.DataobjectSearch) (searchAnswer, []string, error) {
		return c.search(ctx, func(hc *core.HcHttpClient) error {
			_, err := sdk.NewSecMasterClient(hc).ListIncidents(&model.ListIncidentsRequest{ContentType: contentType, WorkspaceId: c.workspace, Body: body})
			return err
		})
	}, fields.incident)
}

// Alerts looks alerts up by ID:
// POST /v1/{project_id}/workspaces/{workspace_id}/soc/alerts/search.
func (c *Client) Alerts(ctx context.Context, ids []string) []vendors.Lookup[vendors.Alert] {
	return lookupAll(ctx, ids, func(ctx context.Context, body *model.DataobjectSearch) (searchAnswer, []string, error) {
		return c.search(ctx, func(hc *core.HcHttpClient) error {
			_, err := sdk.NewSecMasterClient(hc).ListAlerts(&model.ListAlertsRequest{ContentType: contentType, WorkspaceId: c.workspace, Body: body})
			return err
		})
	}, fields.alert)
}

// ListIncidents lists incidents, newest first: open ones (handle_status
// Open) unless q says otherwise; Assignee filters on owner.
func (c *Client) ListIncidents(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error) {
	body, offset, err := listBody(q)
	if err != nil {
		return vendors.Page[vendors.Incident]{}, err
	}
	a, _, err := c.search(ctx, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewSecMasterClient(hc).ListIncidents(&model.ListIncidentsRequest{ContentType: contentType, WorkspaceId: c.workspace, Body: body})
		return err
	})
	if err != nil {
		return vendors.Page[vendors.Incident]{}, err
	}
	return page(a, offset, q.PageSize(), fields.incident), nil
}

// LinkedAlerts lists the alerts related to an incident:
// POST /v1/{project_id}/workspaces/{workspace_id}/soc/incidents/{id}/alerts/search.
// Only limit and offset are sent: the relation search is not filtered.
func (c *Client) LinkedAlerts(ctx context.Context, incidentID string, q vendors.ListQuery) (vendors.Page[vendors.Alert], error) {
	if !vendors.PathSafe(incidentID) {
		return vendors.Page[vendors.Alert]{}, &vendors.LookupError{Vendor: Vendor, Reason: "not an incident ID SecMaster could be asked about (letters, digits, - _ . only)"}
	}
	offset, err := cursor(q.Cursor)
	if err != nil {
		return vendors.Page[vendors.Alert]{}, err
	}
	limit, off := int32(q.PageSize()), int32(offset)
	body := &model.DataobjectSearch{Limit: &limit, Offset: &off}
	a, _, err := c.search(ctx, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewSecMasterClient(hc).ListDataobjectRelations(&model.ListDataobjectRelationsRequest{ContentType: contentType, WorkspaceId: c.workspace,
			DataclassType: "incidents", DataObjectId: incidentID, RelatedDataclassType: "alerts", Body: body})
		return err
	})
	if err != nil {
		return vendors.Page[vendors.Alert]{}, err
	}
	return page(a, offset, q.PageSize(), fields.alert), nil
}

// searchAnswer is SecMaster's answer to a search: ListIncidentsResponse,
// ListAlertsResponse and ListDataobjectRelationsResponse share it.
type searchAnswer struct {
	Code    *string   `json:"code"`
	Message *string   `json:"message"`
	Total   *int      `json:"total"`
	Data    *[]record `json:"data"`
}

// record is one IncidentDetail / ListAlertDetail / DataObjectDetail.
type record struct {
	ID         string  `json:"id"`
	UpdateTime string  `json:"update_time"`
	Object     *object `json:"data_object"`
}

// object holds the fields of an Incident or an alert (ListAlertRsp) we
// show. Enumerations are read as strings, so a value new to the SDK's
// enums still reads.
type object struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Severity     string   `json:"severity"`
	HandleStatus string   `json:"handle_status"`
	Owner        string   `json:"owner"`
	UpdateTime   string   `json:"update_time"`
	SourceURL    string   `json:"source_url"`
	IncidentList []string `json:"incident_list"`
}

func (r record) id() string {
	if r.Object != nil && r.Object.ID != "" {
		return r.Object.ID
	}
	return r.ID
}

type converters struct{}

var fields converters

func (converters) incident(r record) vendors.Incident {
	o := r.obj()
	inc := vendors.Incident{Vendor: Vendor, ID: r.id(), Title: o.Title, Severity: o.Severity, Status: o.HandleStatus,
		Updated: vendors.ParseTime(firstOf(o.UpdateTime, r.UpdateTime)), Link: o.SourceURL}
	if o.Owner != "" {
		inc.Owners = []string{o.Owner}
	}
	return inc
}

func (converters) alert(r record) vendors.Alert {
	o := r.obj()
	return vendors.Alert{ID: r.id(), Title: o.Title, Severity: o.Severity, Status: o.HandleStatus, Owner: o.Owner,
		Updated: vendors.ParseTime(firstOf(o.UpdateTime, r.UpdateTime)), Link: o.SourceURL, Incidents: o.IncidentList}
}

func (r record) obj() object {
	if r.Object == nil {
		return object{}
	}
	return *r.Object
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// search makes one read (retried on 429/503 with Retry-After, as reads are
// safe to repeat) and reads SecMaster's answer: a failure code in a 2xx is
// a refusal; an answer without a data array is not trusted.
func (c *Client) search(ctx context.Context, call func(*core.HcHttpClient) error) (a searchAnswer, requestIDs []string, err error) {
	res, err := c.conn.Call(ctx, httpretry.Default, call)
	if err != nil {
		return searchAnswer{}, res.RequestIDs, err
	}
	jsonErr := json.Unmarshal(res.Body, &a)
	if code := deref(a.Code); jsonErr == nil && code != "" && code != successCode {
		return searchAnswer{}, res.RequestIDs, &vendors.Error{Vendor: Vendor, Status: 200, Code: code, Message: vendors.Cap(deref(a.Message), vendors.MaxMessage),
			RequestID: res.RequestID(), Detail: string(res.Body)}
	}
	if jsonErr != nil || a.Data == nil {
		reason := "a 2xx answer without the documented data array"
		if jsonErr != nil {
			reason = "a 2xx answer SecMaster's documented shape does not fit: " + vendors.Cap(jsonErr.Error(), 120)
		}
		return searchAnswer{}, res.RequestIDs, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: res.RequestID(), Status: 200,
			Reason: reason, Detail: string(res.Body), Err: jsonErr}
	}
	return a, res.RequestIDs, nil
}

// lookupAll asks for ids in batches of lookupBatch; see the note above.
func lookupAll[T any](ctx context.Context, ids []string, call func(context.Context, *model.DataobjectSearch) (searchAnswer, []string, error), convert func(record) T) []vendors.Lookup[T] {
	out := make([]vendors.Lookup[T], 0, len(ids))
	for start := 0; start < len(ids); start += lookupBatch {
		chunk := ids[start:min(start+lookupBatch, len(ids))]
		out = append(out, lookupBatchOf(ctx, chunk, call, convert)...)
	}
	return out
}

func lookupBatchOf[T any](ctx context.Context, ids []string, call func(context.Context, *model.DataobjectSearch) (searchAnswer, []string, error), convert func(record) T) []vendors.Lookup[T] {
	unique := dedupe(ids)
	limit, offset := int32(len(unique)), int32(0)
	body := &model.DataobjectSearch{Limit: &limit, Offset: &offset, Condition: idCondition(unique)}
	a, requestIDs, err := call(ctx, body)
	if err != nil {
		return vendors.Failed[T](ids, err)
	}
	got := map[string]record{}
	for _, r := range *a.Data {
		got[r.id()] = r
	}
	for id := range got {
		if !contains(unique, id) {
			return vendors.Failed[T](ids, &vendors.UnreachableError{Vendor: Vendor, RequestID: last(requestIDs), Status: 200,
				Reason: "SecMaster returned " + vendors.Cap(id, 64) + ", which was not asked for: the search condition was not applied"})
		}
	}
	// A total above what came back means the answer was cut short: the
	// IDs it lacks are not known to be missing.
	cut := a.Total != nil && *a.Total > len(*a.Data)
	out := make([]vendors.Lookup[T], len(ids))
	for i, id := range ids {
		r, ok := got[id]
		switch {
		case ok:
			out[i] = vendors.Lookup[T]{ID: id, Presence: vendors.Found, Item: convert(r)}
		case cut:
			out[i] = vendors.Lookup[T]{ID: id, Presence: vendors.CouldNotLookUp, Err: &vendors.UnreachableError{Vendor: Vendor, RequestID: last(requestIDs), Status: 200,
				Reason: fmt.Sprintf("SecMaster counted %d matches but returned %d", *a.Total, len(*a.Data))}}
		default:
			out[i] = vendors.Lookup[T]{ID: id, Presence: vendors.NotFound}
		}
	}
	return out
}

// idCondition is id = a or id = b ….
func idCondition(ids []string) *model.DataobjectSearchCondition {
	var b condBuilder
	b.group("id", ids)
	return b.build()
}

// condBuilder builds conditions and logics: values of one field joined
// with "or", fields with "and".
type condBuilder struct {
	conds  []model.DataobjectSearchConditionConditions
	groups [][]string
}

func (b *condBuilder) group(field string, values []string) {
	if len(values) == 0 {
		return
	}
	var names []string
	for _, v := range values {
		name := field + strconv.Itoa(len(b.conds)+1)
		data := []string{field, "=", v}
		b.conds = append(b.conds, model.DataobjectSearchConditionConditions{Name: &name, Data: &data})
		names = append(names, name)
	}
	b.groups = append(b.groups, names)
}

func (b *condBuilder) build() *model.DataobjectSearchCondition {
	if len(b.conds) == 0 {
		return nil
	}
	var logics []string
	for i, g := range b.groups {
		if i > 0 {
			logics = append(logics, "and")
		}
		paren := len(g) > 1 && len(b.groups) > 1
		if paren {
			logics = append(logics, "(")
		}
		for j, name := range g {
			if j > 0 {
				logics = append(logics, "or")
			}
			logics = append(logics, name)
		}
		if paren {
			logics = append(logics, ")")
		}
	}
	conds := b.conds
	return &model.DataobjectSearchCondition{Conditions: &conds, Logics: &logics}
}

// OpenStatus is the handle_status a list shows by default.
const OpenStatus = "Open"

func listBody(q vendors.ListQuery) (*model.DataobjectSearch, int, error) {
	offset, err := cursor(q.Cursor)
	if err != nil {
		return nil, 0, err
	}
	limit, off := int32(q.PageSize()), int32(offset)
	sortBy, order := "create_time", model.GetDataobjectSearchOrderEnum().DESC
	body := &model.DataobjectSearch{Limit: &limit, Offset: &off, SortBy: &sortBy, Order: &order}
	var b condBuilder
	status := q.Status
	if len(status) == 0 && !q.All {
		status = []string{OpenStatus}
	}
	b.group("handle_status", status)
	b.group("severity", q.Severity)
	if q.Assignee != "" {
		b.group("owner", []string{q.Assignee})
	}
	body.Condition = b.build()
	return body, offset, nil
}

// cursor reads a page cursor: the offset, as a decimal.
func cursor(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, fmt.Errorf("secmaster: page cursor %q is not an offset", vendors.Cap(s, 40))
	}
	return n, nil
}

func page[T any](a searchAnswer, offset, limit int, convert func(record) T) vendors.Page[T] {
	p := vendors.Page[T]{Total: -1}
	for _, r := range *a.Data {
		p.Items = append(p.Items, convert(r))
	}
	next := offset + len(p.Items)
	if a.Total != nil {
		p.Total = *a.Total
		if next < *a.Total && len(p.Items) > 0 {
			p.Next = strconv.Itoa(next)
		}
	} else if len(p.Items) == limit {
		p.Next = strconv.Itoa(next)
	}
	return p
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func last(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}
