package policy_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/policy"
)

// A policy path that is a FIFO (or a tty) must be refused, not
// block the start or the watcher for ever.
func TestAPolicyPathThatIsAFIFOIsRefusedAtOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := policy.ReadFile(p); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO read as a policy")
		}
	case <-time.After(2 * time.Second):
		// unblock the goroutine
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("policy.ReadFile on a FIFO still blocked after 2s")
	}
}

// A symlinked ConfigMap (..data -> ..2026_x/, policy.yaml -> ..data/policy.yaml) reads.
func TestAPolicyInASymlinkedConfigMapIsRead(t *testing.T) {
	d := t.TempDir()
	os.MkdirAll(filepath.Join(d, "..2026_x"), 0o755)
	os.WriteFile(filepath.Join(d, "..2026_x", "policy.yaml"), []byte("rules: []\n"), 0o644)
	os.Symlink("..2026_x", filepath.Join(d, "..data"))
	os.Symlink("..data/policy.yaml", filepath.Join(d, "policy.yaml"))
	b, err := policy.ReadFile(filepath.Join(d, "policy.yaml"))
	if err != nil || string(b) != "rules: []\n" {
		t.Fatalf("%q %v", b, err)
	}
}
