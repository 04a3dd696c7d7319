//go:build bench

package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// BenchmarkAck measures the acknowledgement path of the real bot (run(),
// Slack webhook mode, sandbox vendors, JSON logs to a file) over loopback
// HTTP: 32 clients send signed slash commands, each body unique, as
// ../shared/bench/slack-ack.sh does. It reports commands/s and the 99th
// percentile, for `help` and for `delete` with 50 UUIDs, and the same for
// an in-process "floor" (slack-go's verifier, SlashCommandParse, a small
// JSON answer), so ratios taken in one run can be compared on a noisy
// machine:
//
//	go test -tags bench ./cmd/incidentbot -run '^$' -bench Ack -benchtime 3s
//
// Add -cpuprofile cpu.out for the profile of the whole process. With
// INCIDENTBOT_BENCH_REDIS=1 the bot keeps its state in a redis-server the
// benchmark starts (redistest), to profile the Redis path.
func BenchmarkAck(b *testing.B) {
	floor := httptest.NewServer(floorHandler())
	b.Cleanup(floor.Close)
	redisURL := ""
	if os.Getenv("INCIDENTBOT_BENCH_REDIS") == "1" {
		redisURL = redistest.Start(b).URL()
	}
	addr := startBenchBot(b, floor.URL, redisURL)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x9a000000+i, i, i, i, 0x5e0000000000+i)
	}
	workloads := []struct{ name, text string }{{"help", "help"}, {"delete50", "delete " + strings.Join(ids, " ")}}
	for _, w := range workloads {
		for _, target := range []struct{ name, url string }{{"bot", "http://" + addr + "/slack/commands"}, {"floor", floor.URL + "/slack/commands"}} {
			b.Run(w.name+"/"+target.name, func(b *testing.B) {
				slackLoad(b, target.url, w.text, floor.URL+"/hooks/")
			})
		}
	}
}

const benchSecret = "benchsecret"

// startBenchBot runs the bot as slack-ack.sh does and returns its address.
func startBenchBot(b *testing.B, slackURL, redisURL string) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logs, err := os.Create(filepath.Join(b.TempDir(), "bot.log"))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": benchSecret,
			"SLACK_API_URL": slackURL + "/api/", "INCIDENTBOT_ADDR": addr, "INCIDENTBOT_SANDBOX": "true",
			"INCIDENTBOT_MAX_PENDING": "1000000", "INCIDENTBOT_MAX_PENDING_PER_USER": "1000", "INCIDENTBOT_REDIS_URL": redisURL}), strings.NewReader(""), io.Discard, logs)
	}()
	b.Cleanup(func() { cancel(); <-done; logs.Close() })
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatal("the bot did not start")
	return ""
}

// floorHandler is ../shared/bench/floor: the least a Go server can do to
// answer a signed slash command, plus a stand-in for the Web API and
// response_url.
func floorHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/slack/commands", func(w http.ResponseWriter, r *http.Request) {
		v, err := slack.NewSecretsVerifier(r.Header, benchSecret)
		if err != nil {
			http.Error(w, "bad", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_, _ = v.Write(body)
		if v.Ensure() != nil {
			http.Error(w, "bad", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": "Usage: /incident ... you typed: " + s.Text})
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"url":"https://example.slack.com/","team":"T","user":"incidentbot","team_id":"T0001","user_id":"UBOT","bot_id":"BBOT","channel":"C2147483705","ts":"1700000000.000100"}`)
	})
	mux.HandleFunc("/hooks/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"ok":true}`) })
	return mux
}

var benchSeq atomic.Int64

// signBody signs a body as Slack does, with benchSecret.
func signBody(ts, body string) string {
	mac := hmac.New(sha256.New, []byte(benchSecret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// slackLoad sends b.N signed slash commands from 32 clients, each body
// unique (trigger_id, response_url), users rotating over 1000 IDs.
func slackLoad(b *testing.B, target, text, hooks string) {
	const clients = 32
	tr := &http.Transport{MaxIdleConnsPerHost: clients * 2, MaxIdleConns: clients * 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var next atomic.Int64
	var non200 atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				n := benchSeq.Add(1)
				form := url.Values{
					"token": {"x"}, "team_id": {"T0001"}, "team_domain": {"example"},
					"channel_id": {"C2147483705"}, "channel_name": {"incidents"},
					"user_id": {fmt.Sprintf("U%08d", n%1000)}, "user_name": {"responder"},
					"command": {"/incident"}, "text": {text}, "api_app_id": {"A123456"},
					"response_url": {hooks + strconv.FormatInt(n, 10)},
					"trigger_id":   {fmt.Sprintf("13345224609.738474920.%d", n)},
				}
				body := form.Encode()
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", signBody(ts, body))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					non200.Add(1)
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[(len(all)-1)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(non200.Load()), "non200")
	b.ReportMetric(0, "ns/op")
}
