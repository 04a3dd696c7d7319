package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

const (
	secretKey = "SK-very-secret-value"
	apiKey    = "cx-very-secret-key"
)

func coralogixEcho(w http.ResponseWriter, r *http.Request) {
	var incidents []map[string]any
	for _, id := range r.URL.Query()["incident_ids"] {
		incidents = append(incidents, map[string]any{"id": id})
	}
	vendortest.Reply(w, 200, map[string]any{"incidents": incidents})
}

// env is the environment vars, with no drain delay unless vars set one: a
// test that stops the bot need not wait the 5 s a load balancer would.
func env(vars map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := vars[k]; ok || k != "INCIDENTBOT_DRAIN_DELAY" {
			return v
		}
		return "0s"
	}
}

func configured(secmasterURL, coralogixURL string) map[string]string {
	return map[string]string{
		"HUAWEICLOUD_SDK_AK": "AK-test", "HUAWEICLOUD_SDK_SK": secretKey, "HUAWEICLOUD_PROJECT_ID": "proj",
		"SECMASTER_ENDPOINT": secmasterURL, "SECMASTER_WORKSPACE_ID": "ws",
		"CORALOGIX_API_KEY": apiKey, "CORALOGIX_ENDPOINT": coralogixURL,
		"USER": "alice",
	}
}

// runBot runs the bot as the binary would, with input piped in.
func runBot(t *testing.T, vars map[string]string, input string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), nil, env(vars), strings.NewReader(input), &out, &errOut)
	if strings.Contains(out.String()+errOut.String(), secretKey) || strings.Contains(out.String()+errOut.String(), apiKey) {
		t.Fatalf("a secret reached the output:\n%s\n%s", out.String(), errOut.String())
	}
	return code, out.String(), errOut.String()
}

// writes are the requests that may change something: not a GET, a
// SecMaster search, a COC list or a Coralogix list.
func writes(reqs []vendortest.Request) []vendortest.Request {
	var out []vendortest.Request
	for _, r := range reqs {
		read := r.Method == http.MethodGet || strings.HasSuffix(r.Path, "/search") || strings.HasSuffix(r.Path, "/incidents/list") ||
			(r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/incidents/incidents/v1"))
		if !read {
			out = append(out, r)
		}
	}
	return out
}

func TestPipedDestructiveCommandsRunOnlyWhenConfirmed(t *testing.T) {
	for _, tc := range []struct {
		name, command, path, field string
		coralogix                  bool
		want                       []string
		vars                       map[string]string // added to configured's
	}{
		{name: "delete", command: "/incident delete inc-1 inc-2", path: "/v1/proj/workspaces/ws/soc/incidents", field: "batch_ids", want: []string{"inc-1", "inc-2"}},
		{name: "unlink", command: "/incident unlink inc-1 al-1,al-2", path: "/v1/proj/workspaces/ws/soc/incidents/inc-1/alerts", field: "ids", want: []string{"al-1", "al-2"}},
		{name: "unassign", command: "/incident unassign cx-1 cx-2", path: "/mgmt/openapi/5/incidents/incidents/v1/all/by-user", coralogix: true, want: []string{"cx-1", "cx-2"}},
		{name: "unassign with CORALOGIX_API_VERSION=latest", command: "/incident unassign cx-1 cx-2", path: "/mgmt/openapi/latest/incidents/incidents/v1/by-user",
			coralogix: true, want: []string{"cx-1", "cx-2"}, vars: map[string]string{"CORALOGIX_API_VERSION": "latest"}},
	} {
		t.Run(tc.name+" confirmed", func(t *testing.T) {
			sm, cx := vendortest.New(t, vendortest.SecMasterEcho), vendortest.New(t, coralogixEcho)
			vars := configured(sm.URL, cx.URL)
			for k, v := range tc.vars {
				vars[k] = v
			}
			code, out, _ := runBot(t, vars, tc.command+"\nconfirm\n")
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			vendor := sm
			if tc.coralogix {
				vendor = cx
			}
			// The confirmation's look-ups read the vendor; the one write
			// is the confirmed call.
			reqs := writes(vendor.Requests())
			if len(reqs) != 1 || reqs[0].Method != http.MethodDelete || reqs[0].Path != tc.path {
				t.Fatalf("vendor requests = %+v, want exactly one DELETE %s", reqs, tc.path)
			}
			var got []string
			if tc.coralogix {
				got = reqs[0].Query["incident_ids"]
			} else {
				var body map[string][]string
				reqs[0].JSON(t, &body)
				got = body[tc.field]
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("IDs sent = %v, want %v", got, tc.want)
			}
			if !strings.Contains(out, "[Confirm] [Cancel]") || !strings.Contains(out, "2 of 2") {
				t.Fatalf("output:\n%s", out)
			}
			if len(writes(sm.Requests()))+len(writes(cx.Requests())) != 1 {
				t.Fatal("another vendor was called too")
			}
		})
		t.Run(tc.name+" not confirmed", func(t *testing.T) {
			sm, cx := vendortest.New(t, vendortest.SecMasterEcho), vendortest.New(t, coralogixEcho)
			for _, input := range []string{tc.command + "\n", tc.command + "\ncancel\nconfirm\n"} {
				_, out, _ := runBot(t, configured(sm.URL, cx.URL), input)
				if n := len(writes(sm.Requests())) + len(writes(cx.Requests())); n != 0 {
					t.Fatalf("input %q made %d vendor writes, want none\n%s", input, n, out)
				}
			}
		})
	}
}

func TestDefaultRunsOnTheSandbox(t *testing.T) {
	code, out, errOut := runBot(t, map[string]string{"USER": "newcomer"}, "/incident delete inc-1001 inc-1002\nconfirm\n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Confirm: delete incidents (2)?", "SecMaster: deleted 2 of 2", "- inc-1001", "- inc-1002", "Sandbox mode"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "sandbox mode") {
		t.Errorf("start did not say sandbox mode: %s", errOut)
	}
}

func TestConfiguringOneVendorTurnsTheSandboxOff(t *testing.T) {
	sm := vendortest.New(t, vendortest.SecMasterEcho)
	vars := configured(sm.URL, "")
	delete(vars, "CORALOGIX_API_KEY")
	delete(vars, "CORALOGIX_ENDPOINT")
	_, out, _ := runBot(t, vars, "unassign cx-1\ncreate --title t --description d --level p1 --type security --app a --interrupted no --assignee u\n")
	if !strings.Contains(out, "Coralogix is not configured") || !strings.Contains(out, "CORALOGIX_API_KEY") {
		t.Errorf("unassign with Coralogix unconfigured:\n%s", out)
	}
	if !strings.Contains(out, "COC is not configured") || !strings.Contains(out, "COC_ENDPOINT") {
		t.Errorf("create with COC unconfigured:\n%s", out)
	}
	if strings.Contains(out, "Sandbox") {
		t.Errorf("sandbox still on:\n%s", out)
	}
}

func TestConfigProblemsAreReportedTogether(t *testing.T) {
	code, _, errOut := runBot(t, map[string]string{
		"SECMASTER_ENDPOINT": "not a url", "INCIDENTBOT_CONFIRM_TTL": "soon", "INCIDENTBOT_BATCH_SIZE": "0", "HUAWEICLOUD_SDK_SK": secretKey,
	}, "")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"INCIDENTBOT_CONFIRM_TTL", "INCIDENTBOT_BATCH_SIZE", "SECMASTER_ENDPOINT: \"not a url\"",
		"also set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_PROJECT_ID, SECMASTER_WORKSPACE_ID"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, env(nil), strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, v := range []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_PROJECT_ID", "HUAWEICLOUD_DOMAIN_ID",
		"SECMASTER_ENDPOINT", "SECMASTER_WORKSPACE_ID", "COC_ENDPOINT", "CORALOGIX_API_KEY", "CORALOGIX_ENDPOINT", "COC_OPERATOR_ID",
		"INCIDENTBOT_CONFIRM_TTL", "INCIDENTBOT_BATCH_SIZE", "INCIDENTBOT_SANDBOX", "INCIDENTBOT_ADDR"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("--help does not list %s", v)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// With Slack variables set, the binary serves signed webhooks and /healthz,
// and stops cleanly when told to.
func TestSlackWebhookMode(t *testing.T) {
	addr := freeAddr(t)
	slackAPI := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) { vendortest.Reply(w, 200, map[string]any{"ok": true}) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errOut bottest.Buffer
	go func() {
		done <- run(ctx, nil, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": slackAPI.URL + "/api/",
			"INCIDENTBOT_ADDR": addr}), strings.NewReader(""), io.Discard, &errOut)
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v\n%s", resp, err, errOut.String())
	}
	body := "command=%2Fincident&text=help&user_id=U1&channel_id=C1"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackbot.Sign([]byte("s3cret"), ts, []byte(body)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), "incidentbot commands") || !strings.Contains(string(answer), "Sandbox mode") {
		t.Fatalf("help over Slack: %d %s", resp.StatusCode, answer)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if strings.Contains(errOut.String(), "s3cret") || strings.Contains(errOut.String(), "xoxb-1") {
		t.Fatal("a Slack secret reached the log")
	}
}

// With Discord variables set, the binary registers /incident, answers a
// signed PING on the interactions endpoint, and stops cleanly.
func TestDiscordHTTPMode(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	d := startDiscordHTTP(t, pub, "bot-secret-token")
	api, addr, errOut := d.api, d.addr, d.errOut
	body := []byte(`{"type":1,"id":"1","application_id":"app-1","token":"t"}`)
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/discord/interactions", bytes.NewReader(body))
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...))))
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(answer)) != `{"type":1}` {
		t.Fatalf("PING answered %d %s", resp.StatusCode, answer)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	var registered bool
	for _, r := range api.Requests() {
		registered = registered || (r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/applications/app-1/guilds/g-1/commands"))
	}
	if !registered {
		t.Fatalf("/incident was not registered: %v", api.Requests())
	}
	if strings.Contains(errOut.String(), "bot-secret-token") {
		t.Fatal("the bot token reached the log")
	}
}

// discordHTTP is the bot running in Discord HTTP mode, in this process,
// against a Discord API that echoes what it is sent.
type discordHTTP struct {
	api    *vendortest.Server
	addr   string
	errOut *bottest.Buffer
	stop   func() int // ends the bot and returns its exit status
}

func startDiscordHTTP(t *testing.T, pub ed25519.PublicKey, token string) *discordHTTP {
	t.Helper()
	d := &discordHTTP{addr: freeAddr(t), errOut: &bottest.Buffer{}}
	d.api = vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"DISCORD_BOT_TOKEN": token, "DISCORD_APP_ID": "app-1", "DISCORD_GUILD_ID": "g-1",
			"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": d.api.URL, "INCIDENTBOT_ADDR": d.addr}), strings.NewReader(""), io.Discard, d.errOut)
	}()
	d.stop = func() int { cancel(); return <-done }
	return d
}

// Each vendor's own error reaches the responder with its code and message.
func TestVendorErrorsReachTheUser(t *testing.T) {
	refuse := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	for _, tc := range []struct {
		name, input string
		secmaster   http.HandlerFunc
		coc         http.HandlerFunc
		coralogix   http.HandlerFunc
		want        []string
	}{
		{name: "SecMaster", input: "delete inc-1\nconfirm\n",
			secmaster: refuse(403, `{"code":"SecMaster.00040301","message":"no permission on workspace ws"}`),
			want:      []string{"SecMaster refused the request (HTTP 403)", "SecMaster.00040301", "no permission on workspace ws"}},
		{name: "COC", input: "verify IM1 --pass\n",
			coc:  refuse(400, `{"provider_code":"049","error_code":"COC.00060001","error_msg":"incident IM1 does not exist"}`),
			want: []string{"COC refused the request (HTTP 400)", "COC.00060001", "incident IM1 does not exist"}},
		{name: "Coralogix", input: "unassign cx-1\nconfirm\n",
			coralogix: refuse(403, `{"code":7,"message":"missing permission incidents:assign"}`),
			want:      []string{"Coralogix refused the request (HTTP 403)", "Code: 7", "missing permission incidents:assign"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sm, cc, cx := vendortest.New(t, tc.secmaster), vendortest.New(t, tc.coc), vendortest.New(t, tc.coralogix)
			vars := configured(sm.URL, cx.URL)
			vars["COC_ENDPOINT"], vars["HUAWEICLOUD_DOMAIN_ID"], vars["COC_OPERATOR_ID"] = cc.URL, "dom", "op"
			_, out, _ := runBot(t, vars, tc.input)
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// unassign --cases sends Coralogix's BulkUnassign for cases (DELETE
// /cases/assigned/v1?ids=...) under the configured API version, once, and
// only after Confirm; a cancelled one sends nothing.
func TestUnassignCasesCallsTheCasesRoute(t *testing.T) {
	cx := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		var cases []map[string]any
		for _, id := range r.URL.Query()["ids"] {
			cases = append(cases, map[string]any{"id": id})
		}
		vendortest.Reply(w, 200, map[string]any{"cases": cases})
	})
	code, out, _ := runBot(t, configured("http://127.0.0.1:1", cx.URL),
		"unassign --cases CASE-101 CASE-102\ncancel\nunassign --cases CASE-101 CASE-102\nconfirm\n")
	reqs := writes(cx.Requests())
	if code != 0 || len(reqs) != 1 || reqs[0].Method != http.MethodDelete || reqs[0].Path != "/mgmt/openapi/5/cases/assigned/v1" ||
		!reflect.DeepEqual(reqs[0].Query["ids"], []string{"CASE-101", "CASE-102"}) {
		t.Fatalf("exit %d, vendor writes %+v\n%s", code, reqs, out)
	}
	if !strings.Contains(out, "Confirm: remove the assignee from cases (2)?") || !strings.Contains(out, "unassigned 2 of 2") {
		t.Fatalf("output:\n%s", out)
	}
}
