// Package coralogix is the client for Coralogix's incidents and cases
// REST APIs: removing user assignments from incidents and cases, and
// reading incidents.
package coralogix

import (
	"bytes"
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
	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/internal/wire"
)

// Vendor is the name shown to responders.
const Vendor = vendors.Coralogix

// The values of CORALOGIX_API_VERSION.
const (
	// APIVersion5 is the versioned base Coralogix's published OpenAPI
	// (coralogix/coralogix-management-sdk, openapi.yaml) names for every
	// region, https://api.<region>/mgmt/openapi/5, where unassigning is
	// DELETE /incidents/incidents/v1/all/by-user. The default.
	APIVersion5 = "5"
	// APIVersionLatest is the path on Coralogix's reference page:
	// /mgmt/openapi/latest with DELETE /incidents/incidents/v1/by-user.
	APIVersionLatest = "latest"
)

// route is where one API version serves each call, below the endpoint.
type route struct {
	base     string // "/mgmt/openapi/5"
	unassign string // below base
}

var routes = map[string]route{
	APIVersion5:      {base: "/mgmt/openapi/5", unassign: "/incidents/incidents/v1/all/by-user"},
	APIVersionLatest: {base: "/mgmt/openapi/latest", unassign: "/incidents/incidents/v1/by-user"},
}

// Paths below the base shared by both versions.
const (
	incidentsPath = "/incidents/incidents/v1" // GET: BatchGetIncident; POST: ListIncidents
	casesPath     = "/cases/assigned/v1"      // DELETE: BulkUnassign
)

// MaxURL is the longest URL a call is sent with; larger batches are split
// (gateways commonly answer 414 beyond 8 kB).
const MaxURL = 8000

// Config configures a Client.
type Config struct {
	Endpoint string // e.g. https://api.coralogix.com
	APIKey   string
	// APIVersion is APIVersion5 (the default when empty) or
	// APIVersionLatest.
	APIVersion string
	Timeout    time.Duration // per call; the caller's context may end it sooner
	BatchSize  int
	// HTTPClient, when set, replaces the default client (its Timeout is
	// cleared: the per-call context carries the deadline).
	HTTPClient *http.Client
}

// Client calls Coralogix. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	version   string
	route     route
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
	version := cfg.APIVersion
	if version == "" {
		version = APIVersion5
	}
	r, ok := routes[version]
	if !ok {
		return nil, fmt.Errorf("coralogix: API version %q is not %s or %s", cfg.APIVersion, APIVersion5, APIVersionLatest)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.Timeout = 0
	return &Client{base: base, version: version, route: r, apiKey: cfg.APIKey, http: hc, timeout: cfg.Timeout, batchSize: cfg.BatchSize}, nil
}

// groups splits ids into calls of at most batchSize IDs whose URL (path
// with one param=id per ID) stays under MaxURL. An ID too long for any
// URL is sent alone.
func (c *Client) groups(path, param string, ids []string) [][]string {
	base := len(c.url(path, nil))
	var out [][]string
	var cur []string
	size := base + 1 // the "?"
	for _, id := range ids {
		n := len(url.Values{param: {id}}.Encode()) + 1 // the "&"
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

// url is the endpoint, the version's base, path and query.
func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + c.route.base + path
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends one call (retried as httpretry.Default allows: every call
// here is safe to repeat) and decodes a complete JSON 2xx answer into out. A
// body, when not nil, is sent as JSON. Anything else is a *vendors.Error
// or a *vendors.UnreachableError.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) ([]string, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("coralogix: encoding the request: %w", err)
		}
	}
	var requestIDs []string
	var verdict error
	var last *wire.Answer
	wire.Retry(ctx, httpretry.Default, func() *wire.Answer {
		callCtx, cancel := ctx, context.CancelFunc(func() {})
		if c.timeout > 0 {
			callCtx, cancel = context.WithTimeout(ctx, c.timeout)
		}
		defer cancel()
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(callCtx, method, c.url(path, query), rd)
		if err != nil {
			verdict = fmt.Errorf("coralogix: building request: %w", err)
			return nil
		}
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		last = wire.Do(c.http, req)
		if id := last.RequestID(); id != "" {
			requestIDs = append(requestIDs, id)
		}
		verdict = wire.Judge(Vendor, last, callCtx.Err(), c.timeout)
		return last
	})
	if verdict != nil {
		var ve *vendors.Error
		if errors.As(verdict, &ve) {
			if ve.Code == "" {
				ve.Code = strconv.Itoa(ve.Status)
			}
			if ve.Status == http.StatusNotFound {
				ve.Message = c.notServed(method, path, ve.Message)
			}
		}
		return requestIDs, verdict
	}
	if err := json.Unmarshal(last.Body, out); err != nil {
		return requestIDs, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: last.RequestID(), Status: last.Status,
			Reason: "a 2xx answer the documented shape does not fit: " + vendors.Cap(err.Error(), 120), Detail: string(last.Body), Err: err}
	}
	return requestIDs, nil
}

// notServed explains a 404: the route may not be served under this API
// version, and names the setting and its other value.
func (c *Client) notServed(method, path, said string) string {
	other := APIVersionLatest
	if c.version == APIVersionLatest {
		other = APIVersion5
	}
	msg := fmt.Sprintf("%s %s%s is not served here (HTTP 404) with CORALOGIX_API_VERSION=%s; if your Coralogix serves the other path, set CORALOGIX_API_VERSION=%s (%s%s)",
		method, c.route.base, path, c.version, other, routes[other].base, otherPath(path, c.route, routes[other]))
	if said != "" && said != "404" {
		msg += "; Coralogix said: " + said
	}
	return vendors.Cap(msg, vendors.MaxMessage)
}

// otherPath is path as the other version spells it.
func otherPath(path string, from, to route) string {
	if path == from.unassign {
		return to.unassign
	}
	return path
}

// UnassignRoute is the request UnassignIncidents sends, for a dry run or a
// help text: "DELETE /mgmt/openapi/5/incidents/incidents/v1/all/by-user".
// UnassignCasesRoute is the request UnassignCases sends:
// "DELETE /mgmt/openapi/5/cases/assigned/v1".
func (c *Client) UnassignCasesRoute() string {
	return http.MethodDelete + " " + c.route.base + casesPath
}

// UnassignRoute is the request UnassignIncidents sends (see UnassignCasesRoute
// for cases).
func (c *Client) UnassignRoute() string {
	return http.MethodDelete + " " + c.route.base + c.route.unassign
}
