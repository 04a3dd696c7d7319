// Package huaweicloud sends Huawei Cloud API calls through the official SDK
// the way every client of ours needs it: AK/SK signing, an endpoint
// override, no IAM look-ups, the caller's context reaching the connection
// (the SDK builds requests without one), the vendor's request ID recorded
// on every answer, and the answer judged by us (done, refused, unknown)
// rather than by the SDK, which drops codes and keeps whole HTML pages.
package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"

	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/internal/wire"
)

// Settings are what a Huawei Cloud client needs to sign and send requests.
type Settings struct {
	AccessKey string
	SecretKey string
	ProjectID string // used by project-scoped services (SecMaster)
	DomainID  string // used by global services (COC)
	Endpoint  string // e.g. https://secmaster.ap-southeast-1.myhuaweicloud.com
	Timeout   time.Duration
	// ContentType, when set, is the Content-Type every request with a body
	// is sent with. See pinContentType for why this is needed.
	ContentType string
	// Transport, when set, carries the requests (tests); the default is a
	// clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// Scope says which identifier signs the requests.
type Scope int

const (
	// ProjectScope signs with the project ID (X-Project-Id).
	ProjectScope Scope = iota
	// GlobalScope signs with the account's domain ID (X-Domain-Id), falling
	// back to the project ID when no domain ID is given.
	GlobalScope
)

// Conn sends one service's calls. It is safe for concurrent use: each call
// gets its own SDK client bound to the call's context, over one shared
// connection pool.
type Conn struct {
	vendor     string
	settings   Settings
	cred       auth.ICredential
	transport  http.RoundTripper
	newBuilder func() *core.HcHttpClientBuilder
}

// NewConn checks the settings and builds the credentials. It makes no
// network call: the endpoint is given and the project or domain ID is set,
// so the SDK never asks IAM. newBuilder is the service's client builder
// (e.g. secmaster.SecMasterClientBuilder).
func NewConn(vendor string, newBuilder func() *core.HcHttpClientBuilder, s Settings, scope Scope) (*Conn, error) {
	var cred auth.ICredential
	var err error
	switch {
	case scope == GlobalScope && s.DomainID != "":
		cred, err = auth.NewGlobalCredentialsBuilder().WithAk(s.AccessKey).WithSk(s.SecretKey).WithDomainId(s.DomainID).SafeBuild()
	case s.ProjectID != "":
		cred, err = auth.NewBasicCredentialsBuilder().WithAk(s.AccessKey).WithSk(s.SecretKey).WithProjectId(s.ProjectID).SafeBuild()
	default:
		return nil, errors.New("huaweicloud: a project ID or domain ID is required")
	}
	if err != nil {
		return nil, fmt.Errorf("huaweicloud: credentials: %w", err)
	}
	c := &Conn{vendor: vendor, settings: s, cred: cred, transport: s.Transport, newBuilder: newBuilder}
	if c.transport == nil {
		c.transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if s.ContentType != "" {
		c.transport = &pinContentType{contentType: s.ContentType, next: c.transport}
	}
	if _, err := c.client(&wire.Recorder{Ctx: context.Background(), Next: c.transport}); err != nil {
		return nil, fmt.Errorf("huaweicloud: %w", err)
	}
	return c, nil
}

// client builds an SDK client whose requests go through rec.
func (c *Conn) client(rec *wire.Recorder) (*core.HcHttpClient, error) {
	// No SDK timeout: the call's context carries the deadline, and reaches
	// the body read too. The SDK's retries are off (they do nothing anyway).
	httpConfig := config.DefaultHttpConfig().WithTimeout(0).WithRetries(0).WithHttpRoundTripper(rec)
	return c.newBuilder().WithEndpoints([]string{c.settings.Endpoint}).WithCredential(c.cred).WithHttpConfig(httpConfig).SafeBuild()
}

// Result is what a call came to: the body of a complete JSON 2xx answer,
// and the request IDs of every request sent (retries included).
type Result struct {
	Body       []byte
	RequestIDs []string
}

// RequestID is the last request ID the vendor gave, if any.
func (r Result) RequestID() string {
	if len(r.RequestIDs) == 0 {
		return ""
	}
	return r.RequestIDs[len(r.RequestIDs)-1]
}

// Call sends one API call, retrying as policy allows. call makes the SDK
// call with the client it is given; its own result and error are ignored
// (the recorded answer is judged instead). The error is a
// *vendors.Error (refused), a *vendors.UnreachableError (unknown), the
// context's error when ctx ended before anything was sent, or an internal
// error when the SDK could not build the request.
func (c *Conn) Call(ctx context.Context, policy httpretry.Policy, call func(*core.HcHttpClient) error) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var res Result
	var verdict error
	wire.Retry(ctx, policy, func() *wire.Answer {
		t, err := c.once(ctx, call)
		if err != nil {
			verdict = err
			return nil
		}
		if id := t.answer.RequestID(); id != "" {
			res.RequestIDs = append(res.RequestIDs, id)
		}
		verdict = wire.Judge(c.vendor, t.answer, t.ctxErr, c.settings.Timeout)
		res.Body = t.answer.Body
		return t.answer
	})
	if verdict != nil {
		return Result{RequestIDs: res.RequestIDs}, verdict
	}
	return res, nil
}

// try is one request's answer, and why the call's context ended (if it did).
type try struct {
	answer *wire.Answer
	ctxErr error
}

// once makes one SDK call; err is set only when no request could be sent.
func (c *Conn) once(ctx context.Context, call func(*core.HcHttpClient) error) (try, error) {
	callCtx, cancel := ctx, context.CancelFunc(func() {})
	if c.settings.Timeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, c.settings.Timeout)
	}
	defer cancel()
	rec := &wire.Recorder{Ctx: callCtx, Next: c.transport}
	hc, err := c.client(rec)
	if err != nil {
		return try{}, fmt.Errorf("%s: building the SDK client: %w", c.vendor, err)
	}
	sdkErr := call(hc)
	a := rec.Last()
	if a == nil {
		if err := ctx.Err(); err != nil {
			return try{}, err
		}
		return try{}, fmt.Errorf("%s: the SDK sent no request: %w", c.vendor, sdkErr)
	}
	return try{answer: a, ctxErr: callCtx.Err()}, nil
}

// pinContentType sets one Content-Type on requests with a body. Where an
// SDK model has a content-type header field (SecMaster's do), the SDK puts
// both its own "Content-Type" and the field's "content-type" in one map and
// sends whichever its random iteration order reaches first, so the header
// changes from call to call. Content-Type is not among the signed headers
// (user-agent, x-project-id, x-sdk-date), so setting it here keeps the
// signature valid.
type pinContentType struct {
	contentType string
	next        http.RoundTripper
}

func (t *pinContentType) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Header.Set("Content-Type", t.contentType)
	}
	return t.next.RoundTrip(req)
}
