// Package coralogix is the client for Coralogix's incidents REST API:
// removing user assignments from incidents.
package coralogix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
)

// Vendor is the name shown to responders.
const Vendor = "Coralogix"

const unassignPath = "/mgmt/openapi/latest/incidents/incidents/v1/by-user"

// maxBody bounds how much of an answer we read.
const maxBody = 4 << 20

// Config configures a Client.
type Config struct {
	Endpoint  string // e.g. https://api.coralogix.com
	APIKey    string
	Timeout   time.Duration
	BatchSize int
	// HTTPClient, when set, replaces the default client (its Timeout is
	// overwritten with Timeout).
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
	hc.Timeout = cfg.Timeout
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
// An incident Coralogix does not return is reported as failed.
func (c *Client) UnassignIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return vendors.InBatches(ctx, ids, c.batchSize, func(ctx context.Context, chunk []string) (vendors.BatchResult, error) {
		var resp unassignResponse
		if err := c.do(ctx, http.MethodDelete, unassignPath, url.Values{"incident_ids": chunk}, &resp); err != nil {
			return vendors.BatchResult{}, err
		}
		returned := map[string]bool{}
		for _, inc := range resp.Incidents {
			returned[inc.ID] = true
		}
		var r vendors.BatchResult
		for _, id := range chunk {
			if returned[id] {
				r.Succeeded = append(r.Succeeded, id)
			} else {
				r.Failed = append(r.Failed, vendors.Failure{ID: id, Reason: "not confirmed: Coralogix did not return this incident"})
			}
		}
		return r, nil
	})
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("coralogix: building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, context.DeadlineExceeded) {
			return ctxErr
		}
		// url.Error's text names the URL, which holds no secret (the key is in a header).
		return &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &vendors.Error{Vendor: Vendor, Status: resp.StatusCode, Message: "unreadable answer: " + err.Error()}
	}
	return nil
}

// decodeError reads Coralogix's error body. Its gateway answers
// {"code": 3, "message": "..."} (a gRPC status); other layers may answer
// {"error": "..."} or plain text.
func decodeError(resp *http.Response, body []byte) error {
	e := &vendors.Error{Vendor: Vendor, Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var parsed struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Error   string          `json:"error"`
	}
	if json.Unmarshal(body, &parsed) == nil {
		e.Code = strings.Trim(string(parsed.Code), `"`)
		e.Message = parsed.Message
		if e.Message == "" {
			e.Message = parsed.Error
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300] + "…"
		}
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(resp.StatusCode)
	}
	return e
}
