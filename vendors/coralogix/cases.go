package coralogix

import (
	"context"
	"net/http"
	"net/url"

	"github.com/incidentbot/incidentbot/vendors"
)

// Case is the part of Coralogix's Case schema an unassignment reads.
type Case struct {
	ID         string `json:"id"`
	ReadableID string `json:"readableId"`
	Title      string `json:"title"`
	Assignee   *struct {
		UserID any `json:"userId"`
	} `json:"assignee"`
}

// UnassignCases removes the assignee from cases:
// DELETE {base}/cases/assigned/v1?ids=a&ids=b (CasesService_BulkUnassign
// in the published OpenAPI; an ID is the case's UUID or its readable ID
// such as CASE-123; at most 1000 per call). It answers {"cases": [...]},
// the updated cases. As for incidents, a case is done only when Coralogix
// returns it with no assignee, refused when it returns it still
// assigned, and unknown when it does not return it.
func (c *Client) UnassignCases(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return vendors.InGroups(ctx, c.groups(casesPath, "ids", ids), func(ctx context.Context, group []string) (vendors.BatchResult, error) {
		var resp struct {
			Cases []Case `json:"cases"`
		}
		requestIDs, err := c.do(ctx, http.MethodDelete, casesPath, url.Values{"ids": group}, nil, &resp)
		if err != nil {
			return vendors.BatchResult{}, err
		}
		returned := map[string]Case{}
		for _, cs := range resp.Cases {
			returned[cs.ID] = cs
			if cs.ReadableID != "" {
				returned[cs.ReadableID] = cs
			}
		}
		r := vendors.BatchResult{RequestIDs: requestIDs}
		for _, id := range group {
			cs, ok := returned[id]
			switch {
			case !ok:
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Unknown, Message: "not confirmed: Coralogix did not return this case; it may have acted"})
			case cs.Assignee != nil && cs.Assignee.UserID != nil:
				var a Assignment
				a.AssignedTo.UserID = cs.Assignee.UserID
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Refused, Message: "Coralogix still lists an assignee" + assignees([]Assignment{a})})
			default:
				r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Done})
			}
		}
		return r, nil
	})
}
