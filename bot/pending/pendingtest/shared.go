package pendingtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending"
)

// RunShared runs the suite of the shared-state helpers against what
// newShared makes; each subtest gets fresh, empty ones. It waits on the
// real clock for leases and keys to lapse, so it takes about a second.
func RunShared(t *testing.T, newShared func(t *testing.T) (pending.OnceSet, pending.Leases)) {
	ctx := context.Background()
	const ttl = time.Second // long enough that a loaded machine's scheduling delay (up to a third of it) does not lapse a renewed lease

	t.Run("SeenOnceConcurrently", func(t *testing.T) {
		once, _ := newShared(t)
		var first atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := once.SeenOnce(ctx, "sig-1", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					first.Add(1)
				}
			}()
		}
		wg.Wait()
		if first.Load() != 1 {
			t.Fatalf("%d callers were told they saw sig-1 first, want 1", first.Load())
		}
		if ok, err := once.SeenOnce(ctx, "sig-2", time.Minute); !ok || err != nil {
			t.Fatalf("another key: %v, %v", ok, err)
		}
	})

	t.Run("SeenOnceLapses", func(t *testing.T) {
		once, _ := newShared(t)
		if ok, _ := once.SeenOnce(ctx, "k", ttl); !ok {
			t.Fatal("new key not first")
		}
		if ok, _ := once.SeenOnce(ctx, "k", ttl); ok {
			t.Fatal("a key was first twice within its ttl")
		}
		time.Sleep(2 * ttl)
		if ok, _ := once.SeenOnce(ctx, "k", ttl); !ok {
			t.Fatal("a key was still remembered after its ttl")
		}
	})

	t.Run("LeaseOneHolder", func(t *testing.T) {
		_, leases := newShared(t)
		var held atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ok, err := leases.Lease(ctx, "gateway", fmt.Sprint("replica-", i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					held.Add(1)
				}
			}(i)
		}
		wg.Wait()
		if held.Load() != 1 {
			t.Fatalf("%d holders got the lease, want 1", held.Load())
		}
	})

	t.Run("LeaseRenewReleaseLapse", func(t *testing.T) {
		_, leases := newShared(t)
		must := func(name, holder string, want bool) {
			t.Helper()
			got, err := leases.Lease(ctx, name, holder, ttl)
			if err != nil || got != want {
				t.Fatalf("Lease(%s, %s) = %v, %v; want %v", name, holder, got, err, want)
			}
		}
		must("a", "r1", true)
		must("a", "r2", false)
		// Renewing keeps it past the first ttl.
		time.Sleep(ttl * 2 / 3)
		must("a", "r1", true)
		time.Sleep(ttl * 2 / 3)
		must("a", "r2", false)
		// Releasing by someone else does nothing; by the holder frees it.
		if err := leases.Release(ctx, "a", "r2"); err != nil {
			t.Fatal(err)
		}
		must("a", "r2", false)
		if err := leases.Release(ctx, "a", "r1"); err != nil {
			t.Fatal(err)
		}
		must("a", "r2", true)
		// A holder that stops renewing loses it.
		time.Sleep(2 * ttl)
		must("a", "r3", true)
		// Names are independent.
		must("b", "r1", true)
	})
}
