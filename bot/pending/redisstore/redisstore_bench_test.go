//go:build bench

package redisstore_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/commands"
)

// BenchmarkSettle measures the confirm path: one Settle per click on a
// record stored beforehand, against a local redis-server. It reports the
// p50 and p99 latency of a click.
func BenchmarkSettle(b *testing.B) {
	srv := redistest.Start(b)
	c := client(b, srv)
	s := redisstore.New(c, prefix())
	recs := make([]pending.Record, b.N)
	for i := range recs {
		recs[i] = rec(alice, time.Hour)
		if err := s.Put(ctx, recs[i], pending.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := s.Settle(ctx, recs[i].Token, confirm(alice, t0.Add(time.Second))); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs/click")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs/click")
}

// BenchmarkPut measures storing a confirmation under limits.
func BenchmarkPut(b *testing.B) {
	srv := redistest.Start(b)
	s := redisstore.New(client(b, srv), prefix())
	recs := make([]pending.Record, b.N)
	for i := range recs {
		recs[i] = rec(commands.Caller{Platform: "slack", UserID: strconv.Itoa(i % 100)}, time.Hour)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Put(ctx, recs[i], pending.Limits{PerUser: 1000, Total: 1 << 30}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMemoryPerRecord reports what one pending confirmation costs in
// Redis, of 2 IDs and of 50 UUIDs: the used_memory delta over 10,000
// records, with their entries in the due and per-user sets.
func TestMemoryPerRecord(t *testing.T) {
	uuids := []string{"delete"}
	for i := range 50 {
		uuids = append(uuids, fmt.Sprintf("%08x-558e-46b6-a9eb-07a8e18ca62f", i))
	}
	for _, tc := range []struct {
		name  string
		words []string
	}{{"2 IDs", nil}, {"50 UUIDs", uuids}} {
		srv := redistest.Start(t)
		c := client(t, srv)
		s := redisstore.New(c, "incidentbot")
		used := func() int64 {
			info := c.Info(ctx, "memory").Val()
			for _, line := range strings.Split(info, "\r\n") {
				if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					return n
				}
			}
			t.Fatal("no used_memory in INFO memory")
			return 0
		}
		const n = 10000
		users := []commands.Caller{alice, bob, {Platform: "discord", UserID: "123456789012345678", Name: "carol"}}
		before := used()
		for i := 0; i < n; i++ {
			r := rec(users[i%len(users)], 5*time.Minute)
			r.Token = fmt.Sprintf("%032x", i) // the size of a 128-bit token in hex
			if tc.words != nil {
				r.Words, r.Count = tc.words, len(tc.words)-1
			}
			if err := s.Put(ctx, r, pending.Limits{}); err != nil {
				t.Fatal(err)
			}
		}
		after := used()
		sample, _ := c.Get(ctx, "{incidentbot}:r:"+fmt.Sprintf("%032x", 0)).Result()
		t.Logf("Redis memory per pending confirmation (%s): %d bytes (used_memory %d -> %d over %d records; the record %d bytes)",
			tc.name, (after-before)/n, before, after, n, len(sample))
	}
}

// BenchmarkClick is the click path as the bot makes it: the read for the
// policy recheck, then the Confirm with its run record (and, on Sentinel,
// the WAIT for the replica), reporting p50 and p99 per click.
func BenchmarkClick(b *testing.B) {
	b.Run("Single", func(b *testing.B) {
		benchClick(b, redisstore.New(client(b, redistest.Start(b)), prefix()))
	})
	b.Run("SentinelWait1", func(b *testing.B) {
		c, err := redisstore.Open(redistest.StartSentinel(b).URL())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		benchClick(b, redisstore.New(c, prefix()).WaitForReplicas(1, 250*time.Millisecond))
	})
}

func benchClick(b *testing.B, s *redisstore.Store) {
	recs := make([]pending.Record, b.N)
	for i := range recs {
		recs[i] = rec(alice, time.Hour)
		if err := s.Put(ctx, recs[i], pending.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		seen, err := s.Get(ctx, recs[i].Token)
		if err != nil {
			b.Fatal(err)
		}
		m := confirm(alice, t0.Add(time.Second))
		m.Seen = &seen
		if _, _, err := s.SettleRun(ctx, recs[i].Token, m, time.Minute); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs/click")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs/click")
}

// BenchmarkPutLoaded is the command path on a busy Redis: PutChecked (the
// replay check, the caps and the record in one script) into a store that
// already holds 50,000 open confirmations of 1,000 requesters, as under
// slack-ack.sh's delete load. Beside the round trip it reports what the
// script costs Redis itself: INFO commandstats' usec_per_call of EVALSHA,
// and the calls it makes inside, per Put.
func BenchmarkPutLoaded(b *testing.B) {
	srv := redistest.Start(b)
	c := client(b, srv)
	s := redisstore.New(c, prefix())
	const open, users = 50000, 1000
	l := pending.Limits{PerUser: 100000000, Total: 100000000}
	who := func(i int) commands.Caller {
		return commands.Caller{Platform: "slack", UserID: fmt.Sprintf("U%08d", i%users), Name: "responder"}
	}
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < open; i += 16 {
				if err := s.Put(ctx, rec(who(i), time.Hour), l); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	recs := make([]pending.Record, b.N)
	for i := range recs {
		recs[i] = rec(who(i), time.Hour)
	}
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rp := pending.Replay{Key: fmt.Sprintf("slack:%d:%d", seq.Add(1), i), TTL: 5 * time.Minute}
		if err := s.PutChecked(ctx, recs[i], l, rp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stats := commandStats(b, c)
	b.ReportMetric(stats["evalsha"].usec, "redis-µs/put")
	var inner int64
	for name, st := range stats {
		if name != "evalsha" && name != "eval" && name != "config|resetstat" {
			inner += st.calls
		}
	}
	b.ReportMetric(float64(inner)/float64(stats["evalsha"].calls), "calls/put")
}

type cmdStat struct {
	calls int64
	usec  float64
}

// commandStats reads INFO commandstats: calls and usec_per_call by command.
func commandStats(b *testing.B, c redis.UniversalClient) map[string]cmdStat {
	out := map[string]cmdStat{}
	for _, line := range strings.Split(c.Info(ctx, "commandstats").Val(), "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || name == line {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				st.calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec_per_call":
				st.usec, _ = strconv.ParseFloat(v, 64)
			}
		}
		out[name] = st
		b.Logf("%s: %d calls, %.2f µs per call", name, st.calls, st.usec)
	}
	return out
}
