package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// slackBot runs the bot in Slack webhook mode on the sandbox and returns
// its base URL once it serves; it stops when the test ends.
func slackBot(t *testing.T, secret string) string {
	t.Helper()
	addr := freeAddr(t)
	slackAPI := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, map[string]any{"ok": true}) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errOut bottest.Buffer
	go func() {
		done <- run(ctx, nil, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": slackAPI.URL + "/api/",
			"INCIDENTBOT_ADDR": addr}), strings.NewReader(""), io.Discard, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d\n%s", code, errOut.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if status, _, _ := getBody("http://" + addr + "/readyz"); status == 200 {
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", errOut.String())
		}
	}
}

// slackPost sends body to /slack/commands with the given timestamp,
// signed with secret, and returns the status.
func slackPost(t *testing.T, base, secret, ts, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte(secret), ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A forged, a stale, a replayed and an oversized Slack request are each
// refused and counted by reason; the scrape has every series from the
// start (a vendor never called reads 0), the build, the store as up, and
// lower-case label values.
func TestMetricsCountRejectedWebhooksAndStartAtZero(t *testing.T) {
	base := slackBot(t, "right-secret")
	now := strconv.FormatInt(time.Now().Unix(), 10)
	help := "command=%2Fincident&text=help&user_id=U1&channel_id=C1"
	if got := slackPost(t, base, "wrong-secret", now, help); got != http.StatusUnauthorized {
		t.Errorf("forged: %d", got)
	}
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	if got := slackPost(t, base, "right-secret", old, help); got != http.StatusUnauthorized {
		t.Errorf("stale: %d", got)
	}
	// whoami, not help: help is answered again when replayed (it is not
	// checked: TestHelpOnRedisCostsNoStoreOperationEvenReplayed).
	whoami := "command=%2Fincident&text=whoami&user_id=U1&channel_id=C1"
	for range 2 { // the second is a replay: 200, nothing done
		if got := slackPost(t, base, "right-secret", now, whoami); got != http.StatusOK {
			t.Errorf("signed: %d", got)
		}
	}
	if got := slackPost(t, base, "right-secret", now, help+"&pad="+strings.Repeat("x", 600<<10)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", got)
	}

	_, scrape, err := getBody(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`incidentbot_webhooks_rejected_total{platform="slack",reason="bad_signature"} 1`,
		`incidentbot_webhooks_rejected_total{platform="slack",reason="stale"} 1`,
		`incidentbot_webhooks_rejected_total{platform="slack",reason="replay"} 1`,
		`incidentbot_webhooks_rejected_total{platform="slack",reason="too_large"} 1`,
		`incidentbot_webhooks_rejected_total{platform="discord",reason="bad_signature"} 0`,
		`incidentbot_commands_total{platform="slack",result="ok",verb="whoami"} 1`,
		`incidentbot_commands_total{platform="discord",result="denied",verb="delete"} 0`,
		`incidentbot_vendor_requests_total{operation="delete",outcome="unknown",vendor="secmaster"} 0`,
		`incidentbot_vendor_requests_total{operation="unassign",outcome="refused",vendor="coralogix"} 0`,
		`incidentbot_vendor_request_duration_seconds_count{operation="create",vendor="coc"} 0`,
		`incidentbot_confirmations_total{outcome="expired"} 0`,
		`incidentbot_audit_posts_total{platform="slack",result="failed"} 0`,
		`incidentbot_store_up 1`,
		`incidentbot_confirmations_pending 0`,
		`incidentbot_build_info{commit="`,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if regexp.MustCompile(`vendor="[^"]*[A-Z]`).MatchString(scrape) {
		t.Error("a vendor label value is not lower case")
	}
	checkWithPromtool(t, scrape)

	// Every metric the dashboard and the alerts name is in the scrape.
	exported := map[string]bool{}
	for line := range strings.SplitSeq(scrape, "\n") {
		if name, _, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			name, _, _ = strings.Cut(name, "{")
			exported[name] = true
		}
	}
	named := regexp.MustCompile(`\b(?:incidentbot|process|go)_[a-z_]+\b`)
	for _, file := range []string{"grafana/incidentbot.json", "prometheus/incidentbot-rules.yaml"} {
		for _, expr := range queries(t, file) {
			names := named.FindAllString(expr, -1)
			if len(names) == 0 {
				t.Errorf("%s: a query names no metric of the bot: %s", file, expr)
			}
			for _, n := range names {
				if !exported[n] {
					t.Errorf("%s names %s, which /metrics does not have: %s", file, n, expr)
				}
			}
		}
	}
}

// queries returns the PromQL of a deploy/ file: a dashboard's targets and
// template queries, or a rules file's exprs.
func queries(t *testing.T, file string) []string {
	t.Helper()
	if strings.HasSuffix(file, ".json") {
		raw, err := os.ReadFile("../../deploy/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Targets []struct{ Expr string } `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Type  string
					Query json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var out []string
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, tg.Expr)
			}
		}
		for _, v := range d.Templating.List {
			if v.Type == "query" {
				var q struct{ Query string }
				_ = json.Unmarshal(v.Query, &q)
				out = append(out, q.Query)
			}
		}
		if len(out) < 10 || slices.Contains(out, "") {
			t.Fatalf("%s: %d queries, some empty: %q", file, len(out), out)
		}
		return out
	}
	var out []string
	for _, d := range deployDocs(t, file) {
		for _, g := range dig(d, "groups").([]any) {
			for _, r := range dig(g, "rules").([]any) {
				out = append(out, dig(r, "expr").(string))
			}
		}
	}
	if len(out) < 6 {
		t.Fatalf("%s: only %d rules", file, len(out))
	}
	return out
}

// needTool returns the path of a command line tool, skipping the test
// when it is absent, except under CI, where that is a failure.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (CI installs it in .ci/run: %s)", name, install)
	}
	t.Skipf("%s is not installed (%s); CI runs this", name, install)
	return ""
}

func checkWithPromtool(t *testing.T, scrape string) {
	t.Helper()
	promtool := needTool(t, "promtool", "apt-get install prometheus")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// Discord's interactions endpoint counts its refusals too: a forged, a
// stale, a replayed and an oversized request.
func TestMetricsCountRejectedDiscordInteractions(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, forger, _ := ed25519.GenerateKey(rand.Reader)
	d := startDiscordHTTP(t, pub, "bot-token")
	addr, errOut := d.addr, d.errOut
	defer func() {
		if code := d.stop(); code != 0 {
			t.Errorf("exit %d\n%s", code, errOut.String())
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if status, _, _ := getBody("http://" + addr + "/readyz"); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", errOut.String())
		}
	}
	ping := []byte(`{"type":1,"id":"1","application_id":"app-1","token":"t"}`)
	post := func(key ed25519.PrivateKey, at time.Time, body []byte) int {
		ts := strconv.FormatInt(at.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/discord/interactions", bytes.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		code int
		send func() int
	}{
		{"forged", 401, func() int { return post(forger, now, ping) }},
		{"stale", 401, func() int { return post(priv, now.Add(-10*time.Minute), ping) }},
		{"signed", 200, func() int { return post(priv, now, ping) }},
		{"replayed", 401, func() int { return post(priv, now, ping) }},
		{"oversized", 413, func() int { return post(priv, now, bytes.Repeat([]byte(" "), 600<<10)) }},
	} {
		if got := tc.send(); got != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.code)
		}
	}
	_, scrape, err := getBody("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{"bad_signature", "stale", "replay", "too_large"} {
		if want := `incidentbot_webhooks_rejected_total{platform="discord",reason="` + reason + `"} 1`; !strings.Contains(scrape, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
