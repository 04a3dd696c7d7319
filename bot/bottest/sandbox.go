package bottest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// Sandbox starts the vendor sandbox (stopped by the test's cleanup) and
// returns its URL.
func Sandbox(t testing.TB) string {
	t.Helper()
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return url
}

// AllDeps builds real SecMaster, COC and Coralogix clients against one
// server each (the sandbox serves all three at one URL), and the lookup
// reader over them.
func AllDeps(t testing.TB, secmasterURL, cocURL, coralogixURL string) (commands.Deps, *lookup.Reader) {
	t.Helper()
	deps := HuaweiDeps(t, secmasterURL, cocURL)
	cx, err := coralogix.New(coralogix.Config{Endpoint: coralogixURL, APIKey: "cx-key", Timeout: 30 * time.Second, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	deps.Coralogix = cx
	cfg := lookup.Config{Coralogix: cx}
	if r, ok := deps.SecMaster.(vendors.SecMasterReader); ok {
		cfg.SecMaster = r
	}
	if r, ok := deps.COC.(vendors.COCReader); ok {
		cfg.COC = r
	}
	return deps, lookup.New(cfg)
}

// Gate fronts the sandbox: it counts the requests that reach it, and while
// Hang is set it never answers (until the test ends), as a vendor that
// hangs.
type Gate struct {
	URL   string
	Reads atomic.Int64
	Hang  atomic.Bool
}

// NewGate starts a sandbox behind a Gate.
func NewGate(t testing.TB) *Gate {
	t.Helper()
	target, _ := url.Parse(Sandbox(t))
	g := &Gate{}
	done := make(chan struct{})
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.Reads.Add(1)
		if g.Hang.Load() {
			select {
			case <-done:
			case <-r.Context().Done():
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	g.URL = srv.URL
	return g
}
