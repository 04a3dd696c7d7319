package slack_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackbot "github.com/incidentbot/incidentbot/bot/slack"
)

// BenchmarkSignedSlashCommand measures what Slack's 3-second rule is about:
// the time from sending a signed "/incident delete" (verify, parse, store a
// confirmation, render Block Kit) to having the ack, over loopback HTTP with
// parallel clients. It reports commands/s and the 99th-percentile latency.
func BenchmarkSignedSlashCommand(b *testing.B) {
	f := newFixture(b)
	body := url.Values{"command": {"/incident"}, "text": {"delete inc-1 inc-2"}, "user_id": {"U-BENCH"}, "user_name": {"bench"},
		"channel_id": {"C-WAR"}, "response_url": {f.slackAPI.URL + "/response/bench"}}.Encode()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req, _ := http.NewRequest(http.MethodPost, f.server.URL+"/slack/commands", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(secret), ts, []byte(body)))
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "cmds/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}
