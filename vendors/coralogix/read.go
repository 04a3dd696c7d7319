package coralogix

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/incidentbot/incidentbot/vendors"
)

var _ vendors.CoralogixReader = (*Client)(nil)

// batchGetResponse is BatchGetIncidentResponse: the incidents found, keyed
// by ID, and the IDs Coralogix says it does not have.
type batchGetResponse struct {
	Incidents   *map[string]Incident `json:"incidents"`
	NotFoundIDs []string             `json:"notFoundIds"`
}

// Incidents looks incidents up by ID: GET {base}/incidents/incidents/v1?ids=a&ids=b
// (IncidentsService_BatchGetIncident; the same base as UnassignIncidents).
// An ID is NotFound only when Coralogix lists it in notFoundIds; one it
// names in neither list, or an answer without the incidents map, is
// CouldNotLookUp.
func (c *Client) Incidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	var out []vendors.Lookup[vendors.Incident]
	for _, group := range c.groups(incidentsPath, "ids", ids) {
		out = append(out, c.batchGet(ctx, group)...)
	}
	return out
}

func (c *Client) batchGet(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	if err := ctx.Err(); err != nil {
		return vendors.Failed[vendors.Incident](ids, err)
	}
	var resp batchGetResponse
	requestIDs, err := c.do(ctx, http.MethodGet, incidentsPath, url.Values{"ids": ids}, nil, &resp)
	if err == nil && resp.Incidents == nil {
		err = &vendors.UnreachableError{Vendor: Vendor, RequestID: lastOf(requestIDs), Status: 200, Reason: "a 2xx answer without the documented incidents map"}
	}
	if err != nil {
		return vendors.Failed[vendors.Incident](ids, err)
	}
	missing := map[string]bool{}
	for _, id := range resp.NotFoundIDs {
		missing[id] = true
	}
	out := make([]vendors.Lookup[vendors.Incident], len(ids))
	for i, id := range ids {
		inc, ok := (*resp.Incidents)[id]
		switch {
		case ok:
			if inc.ID == "" {
				inc.ID = id
			}
			out[i] = vendors.Lookup[vendors.Incident]{ID: id, Presence: vendors.Found, Item: inc.neutral()}
		case missing[id]:
			out[i] = vendors.Lookup[vendors.Incident]{ID: id, Presence: vendors.NotFound}
		default:
			out[i] = vendors.Lookup[vendors.Incident]{ID: id, Presence: vendors.CouldNotLookUp, Err: &vendors.UnreachableError{Vendor: Vendor,
				RequestID: lastOf(requestIDs), Status: 200, Reason: "Coralogix named this ID neither found nor not found"}}
		}
	}
	return out
}

// The values a list filters on by default, and its order.
const (
	OpenState    = "INCIDENT_STATE_TRIGGERED"
	orderField   = "INCIDENTS_FIELDS_CREATED_TIME"
	orderNewest  = "ORDER_BY_DIRECTION_DESC"
	maxPageToken = 4096 // the OpenAPI's maxLength for pageToken
)

// listRequest is the ListIncidents body: filter (IncidentQueryFilter),
// orderBys and pagination.
type listRequest struct {
	Filter     listFilter `json:"filter"`
	OrderBys   []orderBy  `json:"orderBys"`
	Pagination listPaging `json:"pagination"`
}

type listFilter struct {
	State    []string `json:"state,omitempty"`
	Status   []string `json:"status,omitempty"`
	Severity []string `json:"severity,omitempty"`
	Assignee []string `json:"assignee,omitempty"`
}

type orderBy struct {
	IncidentField string `json:"incidentField"`
	Direction     string `json:"direction"`
}

type listPaging struct {
	PageSize  int    `json:"pageSize"`
	PageToken string `json:"pageToken,omitempty"`
}

type listResponse struct {
	Incidents  *[]Incident `json:"incidents"`
	Pagination *struct {
		NextPageToken string `json:"nextPageToken"`
		TotalSize     *int   `json:"totalSize"`
	} `json:"pagination"`
}

// ListIncidents lists incidents, newest first: POST {base}/incidents/incidents/v1
// (IncidentsService_ListIncidents) with filter, orderBys and pagination.
// Without Status (and without All) only triggered incidents
// (state INCIDENT_STATE_TRIGGERED) are listed; Status filters on
// Coralogix's status words (INCIDENT_STATUS_…), Severity on its severity
// words, Assignee on the assignee. The cursor is Coralogix's page token.
func (c *Client) ListIncidents(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Incident], error) {
	if len(q.Cursor) > maxPageToken {
		return vendors.Page[vendors.Incident]{}, fmt.Errorf("coralogix: page cursor is longer than %d characters", maxPageToken)
	}
	body := listRequest{
		Filter:     listFilter{Status: q.Status, Severity: q.Severity},
		OrderBys:   []orderBy{{IncidentField: orderField, Direction: orderNewest}},
		Pagination: listPaging{PageSize: q.PageSize(), PageToken: q.Cursor},
	}
	if len(q.Status) == 0 && !q.All {
		body.Filter.State = []string{OpenState}
	}
	if q.Assignee != "" {
		body.Filter.Assignee = []string{q.Assignee}
	}
	var resp listResponse
	requestIDs, err := c.do(ctx, http.MethodPost, incidentsPath, nil, body, &resp)
	if err != nil {
		return vendors.Page[vendors.Incident]{}, err
	}
	if resp.Incidents == nil {
		return vendors.Page[vendors.Incident]{}, &vendors.UnreachableError{Vendor: Vendor, RequestID: lastOf(requestIDs), Status: 200,
			Reason: "a 2xx answer without the documented incidents list"}
	}
	p := vendors.Page[vendors.Incident]{Total: -1}
	for _, inc := range *resp.Incidents {
		p.Items = append(p.Items, inc.neutral())
	}
	if resp.Pagination != nil {
		p.Next = resp.Pagination.NextPageToken
		if resp.Pagination.TotalSize != nil {
			p.Total = *resp.Pagination.TotalSize
		}
	}
	return p, nil
}

// neutral is the incident as a responder reads it. Coralogix's API gives
// no link to the incident.
func (inc Incident) neutral() vendors.Incident {
	status := inc.Status
	if status == "" {
		status = inc.State
	}
	updated := inc.LastStateUpdateTime
	if updated == "" {
		updated = inc.CreatedAt
	}
	out := vendors.Incident{Vendor: Vendor, ID: inc.ID, Title: inc.Name, Severity: inc.Severity, Status: status, Updated: vendors.ParseTime(updated)}
	for _, a := range inc.Assignments {
		if a.AssignedTo.UserID != nil {
			out.Owners = append(out.Owners, fmt.Sprint(a.AssignedTo.UserID))
		}
	}
	return out
}

func lastOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}
