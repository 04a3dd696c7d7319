package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestHolderReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	g := groups()
	h := NewHolder(known, g)
	if h.Policy() != nil {
		t.Fatal("a new Holder has a policy")
	}
	write("rules:\n  - verbs: [delete]\n    request: [slack:group:S0614TZR7]\n")
	if err := h.Reload(path); err != nil {
		t.Fatal(err)
	}
	first := h.Policy()
	ask := func() Decision {
		return h.Policy().Decide(context.Background(), Request{Verb: "delete", Subject: oncall, Count: 1})
	}
	if d := ask(); !d.Allowed {
		t.Fatalf("the resolver was not given to the loaded policy: %s", d.Reason)
	}

	// A bad file is refused with file:line, and the old policy stays.
	write("rules:\n  - verbs: [delete]\n    request: [slack:group:S0614TZR7]\n  - verbs: [dlete]\n    request: [console]\n")
	err := h.Reload(path)
	if err == nil || !strings.Contains(err.Error(), path+`:4: rule 2: unknown verb "dlete"`) {
		t.Fatalf("err = %v", err)
	}
	if h.Policy() != first || !ask().Allowed {
		t.Fatal("a bad reload replaced the policy")
	}

	// Concurrent readers during good reloads (run with -race).
	write("rules:\n  - verbs: [create]\n    request: [\"*\"]\n")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_ = ask()
			}
		})
	}
	for range 10 {
		if err := h.Reload(path); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	if d := ask(); d.Allowed {
		t.Errorf("new policy not in force: %+v", d)
	}
}
