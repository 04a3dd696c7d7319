package coralogix

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/incidentbot/incidentbot/vendors"
)

// Incident is the part of Coralogix's Incident schema we read.
type Incident struct {
	ID                  string       `json:"id"`
	Name                string       `json:"name"`
	Severity            string       `json:"severity"`
	State               string       `json:"state"`
	Status              string       `json:"status"`
	CreatedAt           string       `json:"createdAt"`
	LastStateUpdateTime string       `json:"lastStateUpdateTime"`
	Assignments         []Assignment `json:"assignments"`
}

// Assignment is one user assignment on an incident.
type Assignment struct {
	AssignedTo struct {
		UserID any `json:"userId"`
	} `json:"assignedTo"`
}

type unassignResponse struct {
	Incidents []Incident `json:"incidents"`
}

// UnassignIncidents removes all user assignments from the incidents:
// DELETE {base}/incidents/incidents/v1/all/by-user?incident_ids=a&incident_ids=b
// (CORALOGIX_API_VERSION=5: base /mgmt/openapi/5), or
// DELETE /mgmt/openapi/latest/incidents/incidents/v1/by-user?incident_ids=…
// (latest), as IncidentsService_UnassignIncidents in the published OpenAPI.
// Calls hold at most BatchSize IDs and a URL under MaxURL. Unassigning is
// idempotent, so a 429 or 503 with Retry-After is retried.
//
// An incident is done only when Coralogix returns it with no assignment.
// One it returns still assigned is refused (the vendor's own answer shows
// the assignment in place). One it does not return is unknown: Coralogix
// said nothing about it.
func (c *Client) UnassignIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return vendors.InGroups(ctx, c.groups(c.route.unassign, "incident_ids", ids), func(ctx context.Context, group []string) (vendors.BatchResult, error) {
		var resp unassignResponse
		requestIDs, err := c.do(ctx, http.MethodDelete, c.route.unassign, url.Values{"incident_ids": group}, nil, &resp)
		if err != nil {
			return vendors.BatchResult{}, err
		}
		returned := map[string]Incident{}
		for _, inc := range resp.Incidents {
			returned[inc.ID] = inc
		}
		r := vendors.BatchResult{RequestIDs: requestIDs}
		for _, id := range group {
			inc, ok := returned[id]
			switch {
			case !ok:
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Unknown, Message: "not confirmed: Coralogix did not return this incident; it may have acted"})
			case len(inc.Assignments) > 0:
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Refused,
					Message: "Coralogix still lists an assignment" + assignees(inc.Assignments)})
			default:
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Done})
			}
		}
		return r, nil
	})
}

func assignees(as []Assignment) string {
	var names []string
	for _, a := range as {
		if a.AssignedTo.UserID != nil {
			names = append(names, fmt.Sprint(a.AssignedTo.UserID))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (to " + vendors.Cap(strings.Join(names, ", "), 120) + ")"
}
