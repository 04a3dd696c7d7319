//go:build bench

package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var rssBins = flag.String("rss-bins", "", "name=path,... of incidentbot binaries to measure side by side in one run (default: this tree's)")

// TestPendingRSS runs the binary (Slack webhooks, sandbox), has 1,000
// users ask for 100,000 deletes of 2 UUIDs each over loopback HTTP, and
// reports the process's resident memory while it holds them all (from
// /proc/PID/status). It asserts only that every one was stored. With
// -rss-bins it measures each binary given, one after the other:
//
//	go test -tags bench ./cmd/incidentbot -run TestPendingRSS -v -count 1
//	go test -tags bench ./cmd/incidentbot -run TestPendingRSS -v -count 1 -rss-bins a=/tmp/a,b=/tmp/b
func TestPendingRSS(t *testing.T) {
	if *rssBins == "" {
		pendingRSS(t, binary(t))
		return
	}
	for _, nb := range strings.Split(*rssBins, ",") {
		name, bin, _ := strings.Cut(nb, "=")
		t.Run(name, func(t *testing.T) { pendingRSS(t, bin) })
	}
}

func pendingRSS(t *testing.T, bin string) {
	const n = 100000
	slackAPI := httptest.NewServer(floorHandler())
	defer slackAPI.Close()
	addr := freeAddr(t)
	logs, err := os.Create(filepath.Join(t.TempDir(), "bot.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SLACK_BOT_TOKEN=xoxb-bench", "SLACK_SIGNING_SECRET="+benchSecret, "SLACK_API_URL="+slackAPI.URL+"/api/",
		"INCIDENTBOT_ADDR="+addr, "INCIDENTBOT_SANDBOX=true", "INCIDENTBOT_MAX_PENDING=1000000", "INCIDENTBOT_MAX_PENDING_PER_USER=1000")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatal("the bot did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	status := func() string {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
		return strings.Join(out, ", ")
	}
	before := status()
	ids := "909494e3-558e-46b6-a9eb-07a8e18ca62f 5b2e7c1a-0d3f-4a55-9c61-2f1e8b7d4a10"
	var next, confirms atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= n; i = next.Add(1) {
				body := "command=%2Fincident&text=" + strings.ReplaceAll("delete "+ids, " ", "+") + "&user_id=U" + strconv.FormatInt(i%1000, 10) +
					"&user_name=responder&channel_id=C2147483705&trigger_id=13345224609.738474920." + strconv.FormatInt(i, 10) +
					"&response_url=" + "https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0001%2F" + strconv.FormatInt(1000000000000+i, 10) + "%2FaBcDeFgHiJkLmNoPqRsTuVwX"
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(body))
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", signBody(ts, body))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				var buf [64 << 10]byte
				m, _ := resp.Body.Read(buf[:])
				resp.Body.Close()
				if strings.Contains(string(buf[:m]), "Confirm: delete") {
					confirms.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if confirms.Load() != n {
		t.Fatalf("%d of %d commands were stored as confirmations", confirms.Load(), n)
	}
	time.Sleep(3 * time.Second) // let the runtime settle (GC, scavenger)
	t.Logf("%d pending confirmations of 2 UUIDs; before: %s; holding them: %s", n, before, status())
}
