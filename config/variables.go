package config

import (
	"fmt"
	"strings"
)

// Variable documents one environment variable.
type Variable struct {
	Name    string
	Default string
	Help    string
	Secret  bool
}

// Variables lists every variable the bot reads, in the order --help shows them.
var Variables = []Variable{
	{Name: "HUAWEICLOUD_SDK_AK", Help: "Huawei Cloud access key (SecMaster and COC)", Secret: true},
	{Name: "HUAWEICLOUD_SDK_SK", Help: "Huawei Cloud secret key", Secret: true},
	{Name: "HUAWEICLOUD_PROJECT_ID", Help: "project ID; required for SecMaster, so the SDK never asks IAM"},
	{Name: "HUAWEICLOUD_DOMAIN_ID", Help: "account (domain) ID; used by COC, which is a global service (else the project ID)"},
	{Name: "SECMASTER_ENDPOINT", Help: "SecMaster endpoint, e.g. https://secmaster.ap-southeast-1.myhuaweicloud.com"},
	{Name: "SECMASTER_WORKSPACE_ID", Help: "SecMaster workspace ID"},
	{Name: "COC_ENDPOINT", Help: "COC endpoint, e.g. https://coc.myhuaweicloud.com"},
	{Name: "COC_OPERATOR_ID", Help: "cloud user ID sent as COC creator/operator for chat users without a mapping"},
	{Name: "COC_USER_MAP", Help: "chat user -> cloud user ID, e.g. slack:U024BE7LH=7da469...,discord:80351110224678912=7da469..."},
	{Name: "CORALOGIX_API_KEY", Help: "Coralogix API key with incidents:assign", Secret: true},
	{Name: "CORALOGIX_ENDPOINT", Default: "https://api.coralogix.com", Help: "Coralogix API base URL for your region"},
	{Name: "CORALOGIX_API_VERSION", Default: "5", Help: "which Coralogix incidents API to call: 5 (/mgmt/openapi/5, .../v1/all/by-user, as Coralogix's published OpenAPI) or latest (/mgmt/openapi/latest, .../v1/by-user, as its reference page)"},
	{Name: "SLACK_BOT_TOKEN", Help: "Slack bot token (xoxb-...); turns the Slack adapter on", Secret: true},
	{Name: "SLACK_SIGNING_SECRET", Help: "Slack signing secret, to verify webhooks on INCIDENTBOT_ADDR", Secret: true},
	{Name: "SLACK_APP_TOKEN", Help: "Slack app-level token (xapp-...); use Socket Mode instead of webhooks", Secret: true},
	{Name: "SLACK_API_URL", Default: "https://slack.com/api/", Help: "Slack Web API base URL"},
	{Name: "DISCORD_BOT_TOKEN", Help: "Discord bot token: registers /incident and, without a public key, serves it over the gateway", Secret: true},
	{Name: "DISCORD_APP_ID", Help: "Discord application ID"},
	{Name: "DISCORD_PUBLIC_KEY", Help: "Discord application public key (hex): serve POST /discord/interactions instead of the gateway"},
	{Name: "DISCORD_GUILD_ID", Help: "register /incident in this guild only (instant); global when empty"},
	{Name: "DISCORD_API_URL", Default: "https://discord.com", Help: "Discord REST base URL"},
	{Name: "DISCORD_DEFAULT_PERMISSIONS", Default: "32", Help: "who in a server may use /incident until an admin changes it: a decimal permission set (32 = Manage Server, 0 = administrators only) or everyone"},
	{Name: "INCIDENTBOT_REDIS_URL", Help: "redis://[user:password@]host:port/db (rediss:// for TLS): keep confirmations and running actions in Redis, shared by every replica; without it they live in this process's memory", Secret: true},
	{Name: "INCIDENTBOT_RUN_LEASE", Default: "30s", Help: "how long a running action's lease lasts unrenewed; past it another replica reports the outcome unknown (2s to 10m)"},
	{Name: "INCIDENTBOT_POLICY", Help: "access policy file (YAML): who may run which verb where, and when a second person must approve; without it every user may run every verb"},
	{Name: "INCIDENTBOT_CONFIRM_TTL", Default: "5m", Help: "how long a confirmation stays valid (10s to 24h; at most 29m with Slack, 14m with Discord)"},
	{Name: "INCIDENTBOT_MAX_PENDING_PER_USER", Default: "20", Help: "confirmations one person may have waiting (1 to 1000000000)"},
	{Name: "INCIDENTBOT_MAX_PENDING", Default: "10000", Help: "confirmations the bot holds in all (1 to 1000000000); each takes about 450 bytes plus its IDs"},
	{Name: "INCIDENTBOT_SHUTDOWN_TIMEOUT", Default: "25s", Help: "on SIGTERM, how long running actions may finish before their users are told the outcome is unknown (1s to 10m)"},
	{Name: "INCIDENTBOT_DRAIN_DELAY", Default: "5s", Help: "on SIGTERM with a chat platform, how long the bot keeps serving while /readyz already answers 503, so a load balancer stops sending before the listener closes (0s to 5m; the terminal does not wait)"},
	{Name: "INCIDENTBOT_BATCH_SIZE", Default: "100", Help: "IDs per vendor call; larger requests are split (1 to 1000)"},
	{Name: "INCIDENTBOT_VENDOR_TIMEOUT", Default: "15s", Help: "limit for one vendor call (1s to 2m)"},
	{Name: "INCIDENTBOT_SANDBOX", Default: "auto", Help: "true: every vendor is the built-in sandbox; false: never; auto: only when no vendor is configured"},
	{Name: "INCIDENTBOT_SANDBOX_FAULTS", Help: "make the sandbox misbehave, to see what a responder reads: e.g. secmaster.delete=html200,coralogix=timeout,coc.create=500 (kinds: 500-599, html500, html200, badjson, cut, reset, timeout[:dur], 429[:secs]; *N: first N only; targets: a vendor, *, or a call such as secmaster.search, coc.show, coralogix.get: see the README)"},
	{Name: "INCIDENTBOT_ADDR", Default: ":8080", Help: "HTTP listen address for chat webhooks, /metrics, /healthz and /readyz; on the terminal the listener starts only when this is set"},
	{Name: "INCIDENTBOT_AUDIT_CHANNEL", Help: "channel that gets one message per confirmed destructive action and ticket created: slack:C0123ABCD or discord:CHANNEL_ID"},
	{Name: "INCIDENTBOT_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error"},
	{Name: "INCIDENTBOT_LOG_FORMAT", Help: "json or text; default json with a chat platform, text on the terminal"},
	{Name: "INCIDENTBOT_LOG_FILE", Help: "on the terminal, write logs to this file (default incidentbot.log when standard error is the terminal)"},
}

// Hints say, per vendor, which variables turn it on.
var Hints = map[string]string{
	"SecMaster": "set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_PROJECT_ID, SECMASTER_ENDPOINT and SECMASTER_WORKSPACE_ID, then restart the bot",
	"COC":       "set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_DOMAIN_ID (or HUAWEICLOUD_PROJECT_ID), COC_ENDPOINT and COC_OPERATOR_ID, then restart the bot",
	"Coralogix": "set CORALOGIX_API_KEY (and CORALOGIX_ENDPOINT for your region), then restart the bot",
}

// Unknown returns the INCIDENTBOT_* names in environ ("NAME=value"
// entries, as os.Environ gives) that the bot does not read: most likely a
// misspelling, which would otherwise be ignored silently.
func Unknown(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "INCIDENTBOT_") {
			continue
		}
		known := false
		for _, v := range Variables {
			known = known || v.Name == name
		}
		if !known {
			out = append(out, name)
		}
	}
	return out
}

// Usage is the variables table for --help.
func Usage() string {
	var b strings.Builder
	b.WriteString("Environment variables:\n")
	for _, v := range Variables {
		fmt.Fprintf(&b, "  %-28s %s", v.Name, v.Help)
		if v.Default != "" {
			fmt.Fprintf(&b, " (default %s)", v.Default)
		}
		b.WriteString("\n")
	}
	return b.String()
}
