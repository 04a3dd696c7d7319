package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
)

func getBody(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// On the terminal with INCIDENTBOT_ADDR set, the listener serves /metrics,
// /healthz and /readyz; healthcheck passes while it runs and fails after.
func TestConsoleWithAddrServesMetricsAndReadiness(t *testing.T) {
	addr := freeAddr(t)
	in, feed := io.Pipe()
	var out, errOut bottest.Buffer
	done := make(chan int)
	vars := map[string]string{"USER": "newcomer", "INCIDENTBOT_ADDR": addr}
	go func() { done <- run(context.Background(), nil, env(vars), in, &out, &errOut) }()
	go func() {
		_, _ = io.WriteString(feed, `create --title "DB down in eu-west" --description "Primary unreachable since 02:10" --level p2 --type reliability --app app-1 --interrupted yes --assignee u-1`+"\n"+
			"delete inc-1001 inc-1002\nconfirm\ndelte inc-1003\n")
	}()
	want := []string{
		`incidentbot_commands_total{platform="console",result="ok",verb="create"} 1`,
		`incidentbot_commands_total{platform="console",result="ok",verb="delete"} 1`,
		`incidentbot_commands_total{platform="console",result="usage_error",verb="unknown"} 1`,
		`incidentbot_confirmations_total{outcome="confirmed"} 1`,
		`incidentbot_confirmations_pending 0`,
		`incidentbot_vendor_requests_total{operation="create",outcome="done",vendor="coc"} 1`,
		`incidentbot_vendor_requests_total{operation="delete",outcome="done",vendor="secmaster"} 1`,
		`incidentbot_vendor_request_duration_seconds_count{operation="delete",vendor="secmaster"} 1`,
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body, _ = getBody("http://" + addr + "/metrics")
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %s:\n%s\nstdout:\n%s\nstderr:\n%s", missing, body, out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, body, err := getBody("http://" + addr + "/readyz"); err != nil || status != 200 || body != "ready\n" {
		t.Fatalf("/readyz: %d %q %v", status, body, err)
	}
	var hcErr bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck"}, env(vars), nil, io.Discard, &hcErr); code != 0 {
		t.Fatalf("healthcheck while running: exit %d: %s", code, hcErr.String())
	}
	feed.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if strings.Contains(out.String(), `"level"`) || strings.Contains(out.String(), "log=audit") {
		t.Errorf("log lines on standard output:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "log=audit") || strings.Contains(errOut.String(), `{"time"`) {
		t.Errorf("standard error (not a terminal) should have text logs:\n%s", errOut.String())
	}
	hcErr.Reset()
	if code := run(context.Background(), []string{"healthcheck"}, env(vars), nil, io.Discard, &hcErr); code != 1 || !strings.Contains(hcErr.String(), "not ready") {
		t.Fatalf("healthcheck after exit: %d %s", code, hcErr.String())
	}
}

func TestLogFormatAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.log")
	code, out, errOut := runBot(t, map[string]string{"USER": "a", "INCIDENTBOT_LOG_FILE": path, "INCIDENTBOT_LOG_FORMAT": "json"}, "delete inc-1001\n")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	logs, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(logs), `"log":"audit"`) {
		t.Fatalf("log file: %v %s", err, logs)
	}
	if errOut != "Logs and the audit trail go to "+path+".\n" || strings.Contains(out, "audit") {
		t.Fatalf("stderr %q, stdout %q", errOut, out)
	}
	if code, _, errOut := runBot(t, map[string]string{"INCIDENTBOT_LOG_FORMAT": "yaml"}, ""); code != 2 || !strings.Contains(errOut, "INCIDENTBOT_LOG_FORMAT") {
		t.Fatalf("bad format: %d %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	version, commit = "v9.9.9", "0123456789abcdef0123"
	t.Cleanup(func() { version, commit = "", "" })
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, env(nil), nil, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "incidentbot v9.9.9 (commit 0123456789ab, go") {
		t.Fatalf("--version = %q", out.String())
	}
}

func TestAuditChannelNeedsItsPlatform(t *testing.T) {
	for value, want := range map[string]string{
		"slack:C123": "Slack is not configured",
		"discord:1":  "needs DISCORD_BOT_TOKEN",
		"teams:x":    "is not slack:CHANNEL_ID or discord:CHANNEL_ID",
		"slack:#war": "a channel's ID, not its #name",
		"slack":      "is not slack:CHANNEL_ID",
	} {
		code, _, errOut := runBot(t, map[string]string{"INCIDENTBOT_AUDIT_CHANNEL": value}, "")
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stderr %s", value, code, errOut)
		}
	}
}
