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
