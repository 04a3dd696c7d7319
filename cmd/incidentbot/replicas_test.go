package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// These tests run the real binary as several replicas sharing one real
// redis-server, behind no load balancer: each request is sent to the
// replica the test chooses.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "incidentbot-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "incidentbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

const replicaSecret = "replica-signing-secret"

// cluster is a redis-server, a SecMaster stand-in, a Slack stand-in and
// the replicas.
type cluster struct {
	t        *testing.T
	redis    *redistest.Server
	url      string // INCIDENTBOT_REDIS_URL
	vendor   *vendortest.Server
	slack    *vendortest.Server
	mu       sync.Mutex
	block    chan struct{} // while set, SecMaster holds its answers
	delay    time.Duration // how long SecMaster takes to answer
	replicas []*replica
	seq      int
}

type replica struct {
	cmd  *exec.Cmd
	base string
	logs *lockedBuffer // the process writes it while tests read it
	done chan struct{}
}

func newCluster(t *testing.T) *cluster {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	c := newStandIns(t, "")
	c.redis = redistest.Start(t)
	c.url = c.redis.URL()
	return c
}

// newStandIns is a cluster's vendor and Slack stand-ins, for replicas on
// Redis at url.
func newStandIns(t *testing.T, url string) *cluster {
	c := &cluster{t: t, url: url}
	c.vendor = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		block, delay := c.block, c.delay
		c.mu.Unlock()
		time.Sleep(delay)
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				return
			}
		}
		vendortest.SecMasterEcho(w, r)
	})
	c.slack = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"ok": true, "channel": "C0WAR", "ts": "1700000000.000100", "user_id": "UBOT", "team": "T"})
	})
	return c
}

// start starts a replica and waits until it serves; env adds to (or
// overrides) its environment.
func (c *cluster) start(env ...string) *replica {
	c.t.Helper()
	addr := freeAddr(c.t)
	r := &replica{base: "http://" + addr, logs: &lockedBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(binary(c.t))
	r.cmd.Env = append(os.Environ(),
		"SLACK_BOT_TOKEN=xoxb-test", "SLACK_SIGNING_SECRET="+replicaSecret, "SLACK_API_URL="+c.slack.URL+"/api/",
		"HUAWEICLOUD_SDK_AK=AK-test", "HUAWEICLOUD_SDK_SK="+secretKey, "HUAWEICLOUD_PROJECT_ID=proj",
		"SECMASTER_ENDPOINT="+c.vendor.URL, "SECMASTER_WORKSPACE_ID=ws",
		"INCIDENTBOT_REDIS_URL="+c.url, "INCIDENTBOT_ADDR="+addr,
		"INCIDENTBOT_RUN_LEASE=2s", "INCIDENTBOT_VENDOR_TIMEOUT=60s", "INCIDENTBOT_MAX_PENDING_PER_USER=100", "INCIDENTBOT_DRAIN_DELAY=0s",
	)
	r.cmd.Env = append(r.cmd.Env, env...)
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, r.logs
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	c.t.Cleanup(func() { r.kill(syscall.SIGKILL) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(r.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-r.done:
			c.t.Fatalf("replica exited at start:\n%s", r.logs)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("replica never served:\n%s", r.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.replicas = append(c.replicas, r)
	return r
}

func (r *replica) kill(sig syscall.Signal) {
	if r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(sig)
	}
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
	}
}

// lockedBuffer is a bytes.Buffer a process's output goroutine writes
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// post sends a signed Slack request to a replica. Every request differs
// (a sequence number), so the replay cache never stands in for the store.
func (c *cluster) post(r *replica, path string, form url.Values) string {
	c.t.Helper()
	c.mu.Lock()
	c.seq++
	form.Set("team_domain", "t"+strconv.Itoa(c.seq))
	c.mu.Unlock()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(replicaSecret), ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}

// ask runs "/incident delete ..." on a replica and returns the Confirm
// button's action ID, or the whole answer when there is none.
func (c *cluster) ask(r *replica, text, responsePath string) (confirmID, answer string) {
	c.t.Helper()
	answer = c.post(r, "/slack/commands", url.Values{"command": {"/incident"}, "text": {text}, "user_id": {"U0ALICE"}, "user_name": {"alice"},
		"channel_id": {"C0WAR"}, "response_url": {c.slack.URL + responsePath}, "trigger_id": {"trig"}})
	for _, id := range strings.Split(answer, `"action_id":"`)[1:] {
		if strings.HasPrefix(id, "confirm:") {
			return id[:strings.Index(id, `"`)], answer
		}
	}
	return "", answer
}

func (c *cluster) click(r *replica, actionID, responsePath string) {
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]string{"id": "U0ALICE", "name": "alice"},
		"channel": map[string]string{"id": "C0WAR"}, "response_url": c.slack.URL + responsePath,
		"actions": []map[string]string{{"action_id": actionID, "block_id": "buttons", "type": "button"}}})
	c.post(r, "/slack/interactions", url.Values{"payload": {string(payload)}})
}

func (c *cluster) deletes() int { return c.vendor.Count(http.MethodDelete) }

// posts returns the bodies Slack's side received on a path.
func (c *cluster) posts(path string) []string {
	var out []string
	for _, r := range c.slack.Requests() {
		if r.Path == path {
			out = append(out, string(r.Body))
		}
	}
	return out
}

func (c *cluster) waitFor(what string, ok func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			var logs strings.Builder
			for i, r := range c.replicas {
				fmt.Fprintf(&logs, "--- replica %d\n%s\n", i+1, r.logs)
			}
			c.t.Fatalf("timed out waiting for %s\n%s", what, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplicasShareConfirmations(t *testing.T) {
	c := newCluster(t)
	r1, r2, r3 := c.start(), c.start(), c.start()

	// Asked on replica 1, confirmed on replica 2: one vendor call.
	id, answer := c.ask(r1, "delete inc-1 inc-2", "/resp/1")
	if id == "" {
		t.Fatalf("no confirmation:\n%s", answer)
	}
	c.click(r2, id, "/resp/click-1")
	c.waitFor("the result", func() bool { return strings.Contains(strings.Join(c.posts("/resp/click-1"), ""), "deleted 2 of 2") })
	if c.deletes() != 1 {
		t.Fatalf("vendor calls = %d, want 1", c.deletes())
	}

	// 200 concurrent clicks spread over three replicas: one vendor call.
	id, _ = c.ask(r3, "delete inc-3", "/resp/2")
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(r *replica) { defer wg.Done(); c.click(r, id, "/resp/click-2") }([]*replica{r1, r2, r3}[i%3])
	}
	wg.Wait()
	c.waitFor("the second result", func() bool { return strings.Contains(strings.Join(c.posts("/resp/click-2"), ""), "deleted 1 of 1") })
	time.Sleep(300 * time.Millisecond)
	if c.deletes() != 2 {
		t.Fatalf("after 200 clicks over 3 replicas: %d vendor calls in all, want 2", c.deletes())
	}

	// Every replica restarted between the request and the click: it works.
	id, _ = c.ask(r1, "delete inc-4", "/resp/3")
	for _, r := range []*replica{r1, r2, r3} {
		r.kill(syscall.SIGTERM)
	}
	r4 := c.start()
	c.click(r4, id, "/resp/click-3")
	c.waitFor("the result after restarts", func() bool { return strings.Contains(strings.Join(c.posts("/resp/click-3"), ""), "deleted 1 of 1") })
	if c.deletes() != 3 {
		t.Fatalf("vendor calls = %d, want 3", c.deletes())
	}
}

func TestKilledReplicaMidActionIsReportedOnce(t *testing.T) {
	c := newCluster(t)
	r1, r2 := c.start(), c.start()
	c.mu.Lock()
	c.block = make(chan struct{})
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		close(c.block)
		c.block = nil
		c.mu.Unlock()
	}()
	id, _ := c.ask(r1, "delete inc-1 inc-2", "/resp/kill")
	c.click(r1, id, "/resp/click-kill")
	c.waitFor("the vendor call", func() bool { return c.deletes() == 1 })
	r1.kill(syscall.SIGKILL) // mid-call: no result, no goodbye

	unknown := func() int {
		n := 0
		for _, p := range c.posts("/resp/kill") {
			if strings.Contains(p, "Outcome unknown: delete incidents (2)") {
				n++
			}
		}
		return n
	}
	c.waitFor("the outcome-unknown report", func() bool { return unknown() >= 1 })
	time.Sleep(3 * time.Second) // more sweeps on r2: still once
	if n := unknown(); n != 1 {
		t.Fatalf("the requester was told %d times", n)
	}
	if !strings.Contains(strings.Join(c.posts("/resp/kill"), ""), "Check these IDs in SecMaster") {
		t.Fatalf("the report does not say where to check: %v", c.posts("/resp/kill"))
	}
	_ = r2
}

func TestRedisDownRefusesThenRecovers(t *testing.T) {
	c := newCluster(t)
	r1 := c.start()
	c.redis.Stop()
	_, answer := c.ask(r1, "delete inc-1", "/resp/down")
	if !strings.Contains(answer, "cannot reach its store of confirmations") || strings.Contains(answer, "confirm:") {
		t.Fatalf("with Redis down: %s", answer)
	}
	c.redis.Restart()
	c.waitFor("a confirmation once Redis is back", func() bool {
		id, _ := c.ask(r1, "delete inc-1", "/resp/up")
		return id != ""
	})
	if c.deletes() != 0 {
		t.Fatal("vendor called")
	}
}
