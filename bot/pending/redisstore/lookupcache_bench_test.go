//go:build bench

package redisstore_test

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// instantIncidents answers every ID at once as an open incident, so the
// benchmarks below time the cache, not a vendor.
type instantIncidents struct{ vendors.SecMasterReader }

func (instantIncidents) Incidents(_ context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	out := make([]vendors.Lookup[vendors.Incident], len(ids))
	for i, id := range ids {
		out[i] = vendors.Lookup[vendors.Incident]{ID: id, Presence: vendors.Found,
			Item: vendors.Incident{ID: id, Title: "Brute force on bastion " + id, Status: "Open"}}
	}
	return out
}

// BenchmarkLookup50 is one confirmation's target look-up, 50 SecMaster
// IDs, on a Redis cache against a local redis-server: every ID cached
// (hits), or none (misses: read the cache, ask the vendor, write the
// answers back). It reports Redis round trips and this process's CPU time
// (user and system, redis-server's not included) per look-up.
func BenchmarkLookup50(b *testing.B) {
	for _, hit := range []bool{true, false} {
		name := "misses"
		if hit {
			name = "hits"
		}
		b.Run(name, func(b *testing.B) {
			srv := redistest.Start(b)
			c := client(b, srv)
			h := &trips{}
			c.AddHook(h)
			r := lookup.New(lookup.Config{SecMaster: instantIncidents{}, Cache: redisstore.NewLookupCache(c, prefix())})
			ids := func(i int) []string {
				if hit {
					i = 0
				}
				out := make([]string, 50)
				for j := range out {
					out[j] = "inc-" + strconv.Itoa(i*50+j)
				}
				return out
			}
			r.SecMasterIncidents(ctx, ids(0)) // fills the cache for hits
			h.n.Store(0)
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, l := range r.SecMasterIncidents(ctx, ids(i+1)) {
					if l.Presence != vendors.Found {
						b.Fatalf("%s: %v", l.ID, l.Presence)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(h.n.Load())/float64(b.N), "trips/lookup")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/lookup")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
