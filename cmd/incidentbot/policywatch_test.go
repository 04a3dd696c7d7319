package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
)

// configMapDir lays out a directory as the kubelet mounts a ConfigMap:
// policy.yaml -> ..data/policy.yaml, ..data -> ..<version>. swap publishes
// a new version the way the kubelet does: a new directory, a new symlink
// renamed over ..data in one step. No signal is sent.
type configMapDir struct {
	t   *testing.T
	dir string
	n   int
}

func newConfigMapDir(t *testing.T, policy string) *configMapDir {
	c := &configMapDir{t: t, dir: t.TempDir()}
	c.swap(policy)
	if err := os.Symlink(filepath.Join("..data", "policy.yaml"), filepath.Join(c.dir, "policy.yaml")); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *configMapDir) swap(policy string) {
	c.t.Helper()
	c.n++
	version := "..2026_12_03_08_00_0" + string(rune('0'+c.n))
	if err := os.Mkdir(filepath.Join(c.dir, version), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, version, "policy.yaml"), []byte(policy), 0o644); err != nil {
		c.t.Fatal(err)
	}
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(version, tmp); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		c.t.Fatal(err)
	}
}

// A policy mounted as a ConfigMap: a new version (the symlink swap) is in
// force within moments, without a signal; a bad version keeps the one in
// force, says why in the log, and both reloads are counted.
func TestPolicyFollowsAConfigMapSwap(t *testing.T) {
	policyPollEvery = 20 * time.Millisecond
	t.Cleanup(func() { policyPollEvery = 5 * time.Second })
	cm := newConfigMapDir(t, "rules:\n  - verbs: [create]\n    request: [\"*\"]\n")
	addr := freeAddr(t)
	in, w := io.Pipe()
	out, logs := &bottest.Buffer{}, &bottest.Buffer{}
	done := make(chan int)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the watcher
	go func() {
		done <- run(ctx, nil, env(map[string]string{"INCIDENTBOT_POLICY": filepath.Join(cm.dir, "policy.yaml"),
			"USER": "alice", "INCIDENTBOT_ADDR": addr}), in, out, logs)
	}()
	// until types "delete inc-1001" until its answer contains want.
	until := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; {
			mark := len(out.String())
			_, _ = io.WriteString(w, "delete inc-1001\n")
			time.Sleep(30 * time.Millisecond)
			if strings.Contains(out.String()[mark:], want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("never saw %q:\n%s\nlogs:\n%s", want, out.String(), logs.String())
			}
		}
	}
	until("Not allowed: nothing was run.")

	cm.swap("rules:\n  - verbs: [delete]\n    request: [console]\n")
	until("Confirm: delete incidents (1)?")

	cm.swap("rules:\n  - verbs: [delete, obliterate]\n    request: [console]\n")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "reloading the policy failed"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the bad version was not noticed:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "obliterate") || !strings.Contains(logs.String(), "the previous policy stays in force") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
	until("Confirm: delete incidents (1)?") // the good version is still in force

	_, scrape, err := getBody("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`incidentbot_policy_reloads_total{result="ok"} 1`, `incidentbot_policy_reloads_total{result="failed"} 1`} {
		if !strings.Contains(scrape, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n := strings.Count(logs.String(), "reloading the policy failed"); n != 1 {
		t.Errorf("the bad version was reported %d times, want once", n)
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}
