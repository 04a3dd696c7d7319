// Package bottest holds what the bot's tests share: a clock moved by hand,
// a buffer safe for concurrent logging, golden-file comparison, and real
// vendor clients pointed at test servers.
package bottest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// Clock is a fake clock the test moves by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock forward.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Buffer is a bytes.Buffer safe for concurrent writers (a logger used from
// goroutines).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

// String returns what was written so far.
func (s *Buffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Golden compares got with testdata/name, or rewrites it under -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

// HuaweiDeps builds real SecMaster and COC clients against test servers
// (an empty URL leaves that vendor unconfigured), with "op" as the COC
// operator for everyone.
func HuaweiDeps(t testing.TB, secmasterURL, cocURL string) commands.Deps {
	t.Helper()
	return HuaweiDepsBatch(t, secmasterURL, cocURL, 100)
}

// HuaweiDepsBatch is HuaweiDeps with SecMaster calls of at most batch IDs.
func HuaweiDepsBatch(t testing.TB, secmasterURL, cocURL string, batch int) commands.Deps {
	t.Helper()
	settings := func(url string) huaweicloud.Settings {
		return huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk-secret", ProjectID: "p", DomainID: "d", Endpoint: url, Timeout: 30 * time.Second}
	}
	deps := commands.Deps{DefaultOperator: "op"}
	if secmasterURL != "" {
		sm, err := secmaster.New(secmaster.Config{Settings: settings(secmasterURL), WorkspaceID: "w", BatchSize: batch})
		if err != nil {
			t.Fatal(err)
		}
		deps.SecMaster = sm
	}
	if cocURL != "" {
		cc, err := coc.New(settings(cocURL))
		if err != nil {
			t.Fatal(err)
		}
		deps.COC = cc
	}
	return deps
}
