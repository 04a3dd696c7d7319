package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/config"
)

func load(t *testing.T, vars map[string]string) (*config.Config, error) {
	t.Helper()
	return config.Load(func(k string) string { return vars[k] })
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfirmTTL != 5*time.Minute || c.BatchSize != 100 || c.VendorTimeout != 15*time.Second || c.CoralogixEndpoint != "https://api.coralogix.com" || c.Addr != ":8080" {
		t.Fatalf("defaults = %+v", c)
	}
	if !c.UseSandbox() {
		t.Fatal("no vendor configured, yet the sandbox is off")
	}
}

func TestSandboxDecision(t *testing.T) {
	coralogix := map[string]string{"CORALOGIX_API_KEY": "k"}
	for _, tc := range []struct {
		vars map[string]string
		want bool
	}{
		{coralogix, false},
		{map[string]string{"CORALOGIX_API_KEY": "k", "INCIDENTBOT_SANDBOX": "true"}, true},
		{map[string]string{"INCIDENTBOT_SANDBOX": "false"}, false},
	} {
		c, err := load(t, tc.vars)
		if err != nil {
			t.Fatal(err)
		}
		if c.UseSandbox() != tc.want {
			t.Errorf("%v: sandbox = %v, want %v", tc.vars, c.UseSandbox(), tc.want)
		}
	}
}

func TestUserMap(t *testing.T) {
	c, err := load(t, map[string]string{"COC_USER_MAP": "Slack:U1=cloud-1, discord:42=cloud-2"})
	if err != nil {
		t.Fatal(err)
	}
	if c.COCUsers["slack:U1"] != "cloud-1" || c.COCUsers["discord:42"] != "cloud-2" {
		t.Fatalf("map = %v", c.COCUsers)
	}
	if _, err := load(t, map[string]string{"COC_USER_MAP": "U1=cloud-1"}); err == nil || !strings.Contains(err.Error(), "platform:user=cloud_user_id") {
		t.Fatalf("bad map accepted: %v", err)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := load(t, map[string]string{"COC_ENDPOINT": "ftp://x", "INCIDENTBOT_VENDOR_TIMEOUT": "1h", "INCIDENTBOT_SANDBOX": "maybe", "INCIDENTBOT_LOG_LEVEL": "loud"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"COC_ENDPOINT: \"ftp://x\"", "INCIDENTBOT_VENDOR_TIMEOUT: 1h0m0s is outside 1s to 2m0s", "INCIDENTBOT_SANDBOX", "INCIDENTBOT_LOG_LEVEL",
		"COC is partly configured: also set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_DOMAIN_ID (or HUAWEICLOUD_PROJECT_ID)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Variables {
		if !strings.Contains(string(readme), "`"+v.Name+"`") {
			t.Errorf("README.md does not document %s", v.Name)
		}
	}
}

func TestHardeningProblemsAreNamedAtStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"AK without SK", map[string]string{"HUAWEICLOUD_SDK_AK": "ak", "SECMASTER_ENDPOINT": "https://sm.example.com"}, "HUAWEICLOUD_SDK_AK is set without HUAWEICLOUD_SDK_SK"},
		{"SK without AK", map[string]string{"HUAWEICLOUD_SDK_SK": "sk", "COC_ENDPOINT": "https://coc.example.com"}, "HUAWEICLOUD_SDK_SK is set without HUAWEICLOUD_SDK_AK"},
		{"bot token prefix", map[string]string{"SLACK_BOT_TOKEN": "hunter2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN: a bot token starts with xoxb-"},
		{"app token prefix", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "hunter2"}, "SLACK_APP_TOKEN: an app-level token starts with xapp-"},
		{"COC without operator", map[string]string{"HUAWEICLOUD_SDK_AK": "ak", "HUAWEICLOUD_SDK_SK": "sk", "HUAWEICLOUD_DOMAIN_ID": "d", "COC_ENDPOINT": "https://coc.example.com"}, "also set COC_OPERATOR_ID"},
		{"TTL past Slack's response_url", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "INCIDENTBOT_CONFIRM_TTL": "45m"}, "response_url lives 30 minutes"},
		{"TTL past Discord's token", map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1", "INCIDENTBOT_CONFIRM_TTL": "20m"}, "interaction token lives 15 minutes"},
		{"permissions", map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1", "DISCORD_DEFAULT_PERMISSIONS": "admins"}, "DISCORD_DEFAULT_PERMISSIONS"},
		{"caps", map[string]string{"INCIDENTBOT_MAX_PENDING_PER_USER": "0", "INCIDENTBOT_MAX_PENDING": "many"}, "INCIDENTBOT_MAX_PENDING: \"many\""},
		{"shutdown", map[string]string{"INCIDENTBOT_SHUTDOWN_TIMEOUT": "1h"}, "INCIDENTBOT_SHUTDOWN_TIMEOUT"},
		{"drain", map[string]string{"INCIDENTBOT_DRAIN_DELAY": "-1s"}, "INCIDENTBOT_DRAIN_DELAY: -1s is outside 0s to 5m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.vars)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	// Within the limits, and with a user map instead of an operator, all is well.
	c, err := load(t, map[string]string{"HUAWEICLOUD_SDK_AK": "ak", "HUAWEICLOUD_SDK_SK": "sk", "HUAWEICLOUD_DOMAIN_ID": "d", "COC_ENDPOINT": "https://coc.example.com",
		"COC_USER_MAP": "slack:U1=c1", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "INCIDENTBOT_CONFIRM_TTL": "29m", "DISCORD_DEFAULT_PERMISSIONS": "everyone"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxPendingUser != 20 || c.MaxPending != 10000 || c.ShutdownTimeout != 25*time.Second || c.DrainDelay != 5*time.Second {
		t.Fatalf("defaults = %d %d %s %s", c.MaxPendingUser, c.MaxPending, c.ShutdownTimeout, c.DrainDelay)
	}
}

func TestUnknownIncidentbotNamesAreFound(t *testing.T) {
	got := config.Unknown([]string{"INCIDENTBOT_CONFRIM_TTL=5m", "INCIDENTBOT_CONFIRM_TTL=5m", "HOME=/root", "INCIDENTBOT_MAX_PENDING=3"})
	if strings.Join(got, ",") != "INCIDENTBOT_CONFRIM_TTL" {
		t.Fatalf("unknown = %v", got)
	}
}

func TestCoralogixAPIVersion(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.CoralogixAPIVersion != "5" {
		t.Fatalf("default = %q, %v", c.CoralogixAPIVersion, err)
	}
	if c, err = load(t, map[string]string{"CORALOGIX_API_VERSION": "Latest"}); err != nil || c.CoralogixAPIVersion != "latest" {
		t.Fatalf("latest = %q, %v", c.CoralogixAPIVersion, err)
	}
	_, err = load(t, map[string]string{"CORALOGIX_API_VERSION": "v5"})
	if err == nil || !strings.Contains(err.Error(), `CORALOGIX_API_VERSION: "v5" is not 5`) || !strings.Contains(err.Error(), "or latest") {
		t.Fatalf("v5 accepted: %v", err)
	}
}
