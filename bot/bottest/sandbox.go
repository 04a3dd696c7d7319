package bottest

import (
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
