package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// SIGTERM to the built binary: /readyz answers 503 at once, Slack's
// commands are still answered during INCIDENTBOT_DRAIN_DELAY, and then
// the process stops by itself with exit code 0.
func TestSIGTERMDrainsBeforeStopping(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	slackAPI := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, map[string]any{"ok": true}) })
	addr := freeAddr(t)
	base := "http://" + addr
	const drain = 3 * time.Second
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "SLACK_BOT_TOKEN=xoxb-test", "SLACK_SIGNING_SECRET=drain-secret", "SLACK_API_URL="+slackAPI.URL+"/api/",
		"INCIDENTBOT_ADDR="+addr, "INCIDENTBOT_DRAIN_DELAY="+drain.String())
	var logs bottest.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for deadline := time.Now().Add(20 * time.Second); ready() != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", logs.String())
		}
	}
	help := func() (int, string) {
		body := url.Values{"command": {"/incident"}, "text": {"help"}, "user_id": {"U1"}, "channel_id": {"C1"}}.Encode()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte("drain-secret"), ts, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var status int
	for deadline := time.Now().Add(drain / 2); ; time.Sleep(10 * time.Millisecond) {
		if status = ready(); status == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
	}
	if status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz after SIGTERM = %d, want 503 at once\n%s", status, logs.String())
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	why, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(why), "stopping: draining before shutdown") {
		t.Errorf("/readyz does not say why: %q", why)
	}
	if code, answer := help(); code != 200 || !strings.Contains(answer, "incidentbot commands") {
		t.Fatalf("a command during the drain: %d %s", code, answer)
	}
	if time.Since(signalled) >= drain {
		t.Fatalf("the checks took longer than the drain (%s); the machine is too slow for this test", drain)
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(drain + 30*time.Second):
		t.Fatalf("no exit after the drain and the shutdown budget\n%s", logs.String())
	}
	if took := time.Since(signalled); took < drain {
		t.Errorf("stopped %s after SIGTERM, before the %s drain was over", took, drain)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after the exit")
	}
	for _, want := range []string{`"msg":"draining: /readyz answers 503; still serving"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs.String())
		}
	}
}
