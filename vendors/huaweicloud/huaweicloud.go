// Package huaweicloud builds the official SDK's HTTP client the way every
// Huawei Cloud client of ours needs it (AK/SK signing, an endpoint override, a
// short timeout, no IAM look-ups) and turns the SDK's errors into ours.
package huaweicloud

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/incidentbot/incidentbot/vendors"
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

// NewHTTPClient builds the SDK client. Because the endpoint is given and
// the project or domain ID is set, the SDK never calls IAM to look them up.
func NewHTTPClient(builder *core.HcHttpClientBuilder, s Settings, scope Scope) (*core.HcHttpClient, error) {
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
	httpConfig := config.DefaultHttpConfig().WithTimeout(s.Timeout).WithRetries(0)
	if s.ContentType != "" {
		httpConfig = httpConfig.WithHttpRoundTripper(&pinContentType{contentType: s.ContentType, next: http.DefaultTransport})
	}
	return builder.WithEndpoints([]string{s.Endpoint}).WithCredential(cred).WithHttpConfig(httpConfig).SafeBuild()
}

// ClassifyError turns an error from the SDK into a *vendors.Error (the vendor
// answered and refused), a *vendors.UnreachableError (no answer), or returns
// it wrapped as an internal error.
func ClassifyError(vendor string, timeout time.Duration, err error) error {
	var sre *sdkerr.ServiceResponseError
	if errors.As(err, &sre) {
		return &vendors.Error{Vendor: vendor, Status: sre.StatusCode, Code: sre.ErrorCode, Message: sre.ErrorMessage, RequestID: sre.RequestId}
	}
	var urlErr *url.Error
	var netErr net.Error
	var connErr *sdkerr.ConnectionError
	var timeoutErr *sdkerr.RequestTimeoutError
	if errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.As(err, &connErr) || errors.As(err, &timeoutErr) {
		return &vendors.UnreachableError{Vendor: vendor, Timeout: timeout, Err: err}
	}
	return fmt.Errorf("%s: %w", vendor, err)
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
