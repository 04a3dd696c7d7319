// Package coralogix is the client for Coralogix's incidents REST API:
// removing user assignments from incidents.
package coralogix

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/internal/wire"
)

// Vendor is the name shown to responders.
const Vendor = vendors.Coralogix

const unassignPath = "/mgmt/openapi/latest/incidents/incidents/v1/by-user"

// MaxURL is the longest URL a call is sent with; larger batches are split
// (gateways commonly answer 414 beyond 8 kB).
const MaxURL = 8000

// Config configures a Client.
type Config struct {
	Endpoint  string // e.g. https://api.coralogix.com
	APIKey    string
	Timeout   time.Duration // per call; the caller's context may end it sooner
	BatchSize int
	// HTTPClient, when set, replaces the default client (its Timeout is
	// cleared: the per-call context carries the deadline).
	HTTPClient *http.Client
}

// Client calls Coralogix. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	apiKey    string
	http      *http.Client
	timeout   time.Duration
	batchSize int
}

// New builds a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("coralogix: endpoint %q is not an absolute URL", cfg.Endpoint)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.Timeout = 0
	return &Client{base: base, apiKey: cfg.APIKey, http: hc, timeout: cfg.Timeout, batchSize: cfg.BatchSize}, nil
}

// Incident is the part of Coralogix's incident we report back.
type Incident struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	State       string       `json:"state"`
	Assignments []Assignment `json:"assignments"`
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
// DELETE /mgmt/openapi/latest/incidents/incidents/v1/by-user?incident_ids=a&incident_ids=b.
// Calls hold at most BatchSize IDs and a URL under MaxURL. Unassigning is
// idempotent, so a 429 or 503 is retried (httpretry.Default).
//
// An incident is done only when Coralogix returns it with no assignment.
// One it returns still assigned is refused (the vendor's own answer shows
// the assignment in place). One it does not return is unknown: Coralogix
// said nothing about it.
func (c *Client) UnassignIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return vendors.InGroups(ctx, c.groups(ids), func(ctx context.Context, group []string) (vendors.BatchResult, error) {
		var resp unassignResponse
		requestIDs, err := c.do(ctx, http.MethodDelete, unassignPath, url.Values{"incident_ids": group}, &resp)
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

// groups splits ids into calls of at most batchSize IDs whose URL stays
// under MaxURL. An ID too long for any URL is sent alone.
func (c *Client) groups(ids []string) [][]string {
	base := len(c.url(unassignPath, nil))
	var out [][]string
	var cur []string
	size := base + 1 // the "?"
	for _, id := range ids {
		n := len(url.Values{"incident_ids": {id}}.Encode()) + 1 // the "&"
		if len(cur) > 0 && ((c.batchSize > 0 && len(cur) >= c.batchSize) || size+n > MaxURL) {
			out = append(out, cur)
			cur, size = nil, base+1
		}
		cur = append(cur, id)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends one call (retried as httpretry.Default allows) and decodes a
// complete JSON 2xx answer into out. Anything else is a *vendors.Error or a
// *vendors.UnreachableError.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, out any) ([]string, error) {
	var requestIDs []string
	var verdict error
	var last *wire.Answer
	wire.Retry(ctx, httpretry.Default, func() *wire.Answer {
		callCtx, cancel := ctx, context.CancelFunc(func() {})
		if c.timeout > 0 {
			callCtx, cancel = context.WithTimeout(ctx, c.timeout)
		}
		defer cancel()
		req, err := http.NewRequestWithContext(callCtx, method, c.url(path, query), nil)
		if err != nil {
			verdict = fmt.Errorf("coralogix: building request: %w", err)
			return nil
		}
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
		req.Header.Set("Accept", "application/json")
		last = wire.Do(c.http, req)
		if id := last.RequestID(); id != "" {
			requestIDs = append(requestIDs, id)
		}
		verdict = wire.Judge(Vendor, last, callCtx.Err(), c.timeout)
		return last
	})
	if verdict != nil {
		if ve, ok := verdict.(*vendors.Error); ok && ve.Code == "" {
			ve.Code = strconv.Itoa(ve.Status)
		}
		return requestIDs, verdict
	}
	if err := json.Unmarshal(last.Body, out); err != nil {
		return requestIDs, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: last.RequestID(), Status: last.Status,
			Reason: "a 2xx answer the documented shape does not fit: " + vendors.Cap(err.Error(), 120), Detail: string(last.Body), Err: err}
	}
	return requestIDs, nil
}
