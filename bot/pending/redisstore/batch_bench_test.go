//go:build bench

package redisstore

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/commands"
)

// BenchmarkPutCheckedUnderLoad is the slash command's store work as the
// bot does it under load: 32 goroutines at once, each storing a
// confirmation of 50 IDs with its replay check (PutChecked), on a Redis
// already holding 50,000 open confirmations. Beside the time it reports
// the CPU both sides spend per command: this process (user + system, so
// the client's syscalls count) and redis-server, so that a change to the
// script or to the pipelining can be judged by what it costs, not only by
// how long a machine shared with the load took. -bench 'UnderLoad/lanes'
// compares the number of pipelines in flight.
func BenchmarkPutCheckedUnderLoad(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8} {
		b.Run("lanes="+strconv.Itoa(n), func(b *testing.B) {
			saved := lanes
			lanes = n
			defer func() { lanes = saved }()
			benchPutChecked(b)
		})
	}
}

func benchPutChecked(b *testing.B) {
	srv := redistest.Start(b)
	c, err := Open(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var pipelines atomic.Int64
	c.AddHook(pipelineCounter{&pipelines})
	ctx := context.Background()
	s := New(c, "bench")
	words := []string{"delete"}
	for i := range 50 {
		words = append(words, fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i))
	}
	now := time.Now()
	record := func(i int64) pending.Record {
		return pending.Record{Token: fmt.Sprintf("tok-%d", i), Words: words,
			Requester: commands.Caller{Platform: "slack", UserID: fmt.Sprintf("U%08d", i%1000), Name: "responder"},
			Channel:   "C2147483705", Message: "https://hooks.slack.com/commands/T0001/" + strconv.FormatInt(i, 10) + "/abc", Count: 50,
			CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
	}
	limits := pending.Limits{PerUser: 100_000_000, Total: 100_000_000}
	var seq atomic.Int64
	for range 50_000 {
		if err := s.Put(ctx, record(seq.Add(1)), limits); err != nil {
			b.Fatal(err)
		}
	}
	redisPID := serverPID(b, s)
	b.SetParallelism(16) // 32 goroutines on 2 cores, as slack-ack.sh's 32 clients
	selfBefore, redisBefore := cpuSelf(), cpuOf(b, redisPID)
	pipelines.Store(0)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			rp := pending.Replay{Key: "bench-sig:" + strconv.FormatInt(i, 10), TTL: 10 * time.Minute}
			if err := s.PutChecked(ctx, record(i), limits, rp); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuSelf()-selfBefore)/float64(time.Microsecond)/float64(b.N), "client-cpu-µs/op")
	b.ReportMetric(float64(cpuOf(b, redisPID)-redisBefore)/float64(time.Microsecond)/float64(b.N), "redis-cpu-µs/op")
	b.ReportMetric(float64(b.N)/float64(pipelines.Load()), "ops/pipeline")
}

// pipelineCounter counts the pipelines a client sends.
type pipelineCounter struct{ n *atomic.Int64 }

func (h pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}
func (h pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

func serverPID(b *testing.B, s *Store) int {
	info, err := s.c.Info(context.Background(), "server").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ := strconv.Atoi(v)
			return pid
		}
	}
	b.Fatal("INFO server has no process_id")
	return 0
}

// cpuSelf is this process's user + system CPU time.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf is another process's user + system CPU time, from /proc.
func cpuOf(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in ")".
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * (time.Second / 100) // USER_HZ is 100 on Linux
}
