// Package config loads incidentbot's settings from the environment. Every
// variable is declared once in Variables, which also drives --help; Load
// reports every problem at once.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is the loaded configuration.
type Config struct {
	AccessKey, SecretKey string
	ProjectID, DomainID  string

	SecMasterEndpoint, SecMasterWorkspace string
	COCEndpoint, COCOperator              string
	COCUsers                              map[string]string // "platform:user" -> cloud user ID

	CoralogixAPIKey, CoralogixEndpoint string
	CoralogixAPIVersion                string // "5" or "latest"

	SlackBotToken, SlackSigningSecret, SlackAppToken, SlackAPIURL string

	DiscordBotToken, DiscordAppID, DiscordPublicKey, DiscordGuildID, DiscordAPIURL string

	DiscordPermissions string

	PolicyFile      string // INCIDENTBOT_POLICY; empty: no policy
	RedisURL        string // INCIDENTBOT_REDIS_URL; empty: in memory
	RunLease        time.Duration
	ConfirmTTL      time.Duration
	MaxPendingUser  int
	MaxPending      int
	ShutdownTimeout time.Duration
	DrainDelay      time.Duration // INCIDENTBOT_DRAIN_DELAY: serving on after SIGTERM, not ready
	BatchSize       int
	VendorTimeout   time.Duration
	Sandbox         string // "auto", "true", "false"
	SandboxFaults   string
	Addr            string
	AddrSet         bool // INCIDENTBOT_ADDR was given, not defaulted
	LogLevel        string
	LogFormat       string // "json", "text" or "" (by mode)
	LogFile         string // "" unless INCIDENTBOT_LOG_FILE was given

	// AuditPlatform and AuditChannel are INCIDENTBOT_AUDIT_CHANNEL split:
	// "slack" or "discord", and the channel's ID.
	AuditPlatform, AuditChannel string
}

// SecMasterConfigured, COCConfigured and CoralogixConfigured say whether a
// vendor was given its endpoint or key (Load has checked the rest).
func (c *Config) SecMasterConfigured() bool {
	return c.SecMasterEndpoint != "" || c.SecMasterWorkspace != ""
}
func (c *Config) COCConfigured() bool       { return c.COCEndpoint != "" }
func (c *Config) CoralogixConfigured() bool { return c.CoralogixAPIKey != "" }

// SlackConfigured says whether the Slack adapter runs; SlackSocketMode
// whether it connects out over Socket Mode rather than taking webhooks.
func (c *Config) SlackConfigured() bool { return c.SlackBotToken != "" }
func (c *Config) SlackSocketMode() bool { return c.SlackAppToken != "" }

// DiscordConfigured says whether the Discord adapter runs; DiscordHTTP
// whether it takes interactions on the HTTP endpoint rather than the gateway.
func (c *Config) DiscordConfigured() bool { return c.DiscordBotToken != "" || c.DiscordPublicKey != "" }
func (c *Config) DiscordHTTP() bool       { return c.DiscordPublicKey != "" }

// ChatConfigured says whether any chat platform is configured; if none is,
// the bot talks on the terminal.
func (c *Config) ChatConfigured() bool { return c.SlackConfigured() || c.DiscordConfigured() }

// UseSandbox says whether every vendor runs against the built-in sandbox.
func (c *Config) UseSandbox() bool {
	switch c.Sandbox {
	case "true":
		return true
	case "false":
		return false
	}
	return !c.SecMasterConfigured() && !c.COCConfigured() && !c.CoralogixConfigured()
}

// Load reads the configuration through getenv (os.Getenv in main). The
// error joins every problem found.
func Load(getenv func(string) string) (*Config, error) {
	get := func(name string) string {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			for _, d := range Variables {
				if d.Name == name {
					return d.Default
				}
			}
		}
		return v
	}
	var errs []error
	problem := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	c := &Config{
		AccessKey: get("HUAWEICLOUD_SDK_AK"), SecretKey: get("HUAWEICLOUD_SDK_SK"),
		ProjectID: get("HUAWEICLOUD_PROJECT_ID"), DomainID: get("HUAWEICLOUD_DOMAIN_ID"),
		SecMasterEndpoint: get("SECMASTER_ENDPOINT"), SecMasterWorkspace: get("SECMASTER_WORKSPACE_ID"),
		COCEndpoint: get("COC_ENDPOINT"), COCOperator: get("COC_OPERATOR_ID"),
		CoralogixAPIKey: get("CORALOGIX_API_KEY"), CoralogixEndpoint: get("CORALOGIX_ENDPOINT"),
		CoralogixAPIVersion: strings.ToLower(get("CORALOGIX_API_VERSION")),
		SlackBotToken:       get("SLACK_BOT_TOKEN"), SlackSigningSecret: get("SLACK_SIGNING_SECRET"),
		SlackAppToken: get("SLACK_APP_TOKEN"), SlackAPIURL: get("SLACK_API_URL"),
		DiscordBotToken: get("DISCORD_BOT_TOKEN"), DiscordAppID: get("DISCORD_APP_ID"), DiscordPublicKey: get("DISCORD_PUBLIC_KEY"),
		DiscordGuildID: get("DISCORD_GUILD_ID"), DiscordAPIURL: get("DISCORD_API_URL"), DiscordPermissions: get("DISCORD_DEFAULT_PERMISSIONS"),
		Sandbox: strings.ToLower(get("INCIDENTBOT_SANDBOX")), Addr: get("INCIDENTBOT_ADDR"),
		LogLevel:      strings.ToLower(get("INCIDENTBOT_LOG_LEVEL")),
		PolicyFile:    get("INCIDENTBOT_POLICY"),
		RedisURL:      get("INCIDENTBOT_REDIS_URL"),
		LogFormat:     strings.ToLower(get("INCIDENTBOT_LOG_FORMAT")),
		LogFile:       get("INCIDENTBOT_LOG_FILE"),
		AddrSet:       strings.TrimSpace(getenv("INCIDENTBOT_ADDR")) != "",
		SandboxFaults: get("INCIDENTBOT_SANDBOX_FAULTS"),
	}

	var err error
	if c.ConfirmTTL, err = duration(get("INCIDENTBOT_CONFIRM_TTL"), 10*time.Second, 24*time.Hour); err != nil {
		problem("INCIDENTBOT_CONFIRM_TTL: %v", err)
	}
	if c.RunLease, err = duration(get("INCIDENTBOT_RUN_LEASE"), 2*time.Second, 10*time.Minute); err != nil {
		problem("INCIDENTBOT_RUN_LEASE: %v", err)
	}
	if c.VendorTimeout, err = duration(get("INCIDENTBOT_VENDOR_TIMEOUT"), time.Second, 2*time.Minute); err != nil {
		problem("INCIDENTBOT_VENDOR_TIMEOUT: %v", err)
	}
	if c.ShutdownTimeout, err = duration(get("INCIDENTBOT_SHUTDOWN_TIMEOUT"), time.Second, 10*time.Minute); err != nil {
		problem("INCIDENTBOT_SHUTDOWN_TIMEOUT: %v", err)
	}
	if c.DrainDelay, err = duration(get("INCIDENTBOT_DRAIN_DELAY"), 0, 5*time.Minute); err != nil {
		problem("INCIDENTBOT_DRAIN_DELAY: %v", err)
	}
	c.MaxPendingUser = whole(problem, "INCIDENTBOT_MAX_PENDING_PER_USER", get("INCIDENTBOT_MAX_PENDING_PER_USER"), 1, 1_000_000_000)
	c.MaxPending = whole(problem, "INCIDENTBOT_MAX_PENDING", get("INCIDENTBOT_MAX_PENDING"), 1, 1_000_000_000)
	if n, err := strconv.Atoi(get("INCIDENTBOT_BATCH_SIZE")); err != nil || n < 1 || n > 1000 {
		problem("INCIDENTBOT_BATCH_SIZE: %q is not a whole number from 1 to 1000", get("INCIDENTBOT_BATCH_SIZE"))
	} else {
		c.BatchSize = n
	}
	switch c.Sandbox {
	case "auto", "true", "false":
	default:
		problem("INCIDENTBOT_SANDBOX: %q is not auto, true or false", c.Sandbox)
	}
	switch c.CoralogixAPIVersion {
	case "5", "latest":
	default:
		problem("CORALOGIX_API_VERSION: %q is not 5 (the versioned base /mgmt/openapi/5, as Coralogix's published OpenAPI) or latest (the reference page's /mgmt/openapi/latest path)", c.CoralogixAPIVersion)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problem("INCIDENTBOT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		problem("INCIDENTBOT_LOG_FORMAT: %q is not json or text", c.LogFormat)
	}
	if a := get("INCIDENTBOT_AUDIT_CHANNEL"); a != "" {
		platform, channel, _ := strings.Cut(a, ":")
		c.AuditPlatform, c.AuditChannel = strings.ToLower(strings.TrimSpace(platform)), strings.TrimSpace(channel)
		switch {
		case c.AuditChannel == "" || strings.ContainsAny(c.AuditChannel, " /#"):
			problem("INCIDENTBOT_AUDIT_CHANNEL: %q is not slack:CHANNEL_ID or discord:CHANNEL_ID (a channel's ID, not its #name)", a)
		case c.AuditPlatform == "slack" && !c.SlackConfigured():
			problem("INCIDENTBOT_AUDIT_CHANNEL: it names a Slack channel, but Slack is not configured (set SLACK_BOT_TOKEN)")
		case c.AuditPlatform == "discord" && c.DiscordBotToken == "":
			problem("INCIDENTBOT_AUDIT_CHANNEL: it names a Discord channel, which needs DISCORD_BOT_TOKEN to post")
		case c.AuditPlatform != "slack" && c.AuditPlatform != "discord":
			problem("INCIDENTBOT_AUDIT_CHANNEL: %q is not slack:CHANNEL_ID or discord:CHANNEL_ID", a)
		}
	}
	if c.COCUsers, err = userMap(get("COC_USER_MAP")); err != nil {
		problem("COC_USER_MAP: %v", err)
	}

	requireAll := func(vendor string, names ...string) {
		var missing []string
		for _, n := range names {
			if get(n) == "" {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			problem("%s is partly configured: also set %s", vendor, strings.Join(missing, ", "))
		}
	}
	if c.SecMasterConfigured() {
		requireAll("SecMaster", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_PROJECT_ID", "SECMASTER_ENDPOINT", "SECMASTER_WORKSPACE_ID")
		checkURL(problem, "SECMASTER_ENDPOINT", c.SecMasterEndpoint)
	}
	switch {
	case c.AccessKey != "" && c.SecretKey == "":
		problem("HUAWEICLOUD_SDK_AK is set without HUAWEICLOUD_SDK_SK: set the secret key that goes with it")
	case c.SecretKey != "" && c.AccessKey == "":
		problem("HUAWEICLOUD_SDK_SK is set without HUAWEICLOUD_SDK_AK: set the access key that goes with it")
	}
	if c.COCConfigured() {
		requireAll("COC", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "COC_ENDPOINT")
		if c.COCOperator == "" && len(c.COCUsers) == 0 {
			problem("COC is partly configured: also set COC_OPERATOR_ID (the cloud user ID COC records as creator/operator) or map chat users in COC_USER_MAP")
		}
		if c.DomainID == "" && c.ProjectID == "" {
			problem("COC is partly configured: also set HUAWEICLOUD_DOMAIN_ID (or HUAWEICLOUD_PROJECT_ID)")
		}
		checkURL(problem, "COC_ENDPOINT", c.COCEndpoint)
	}
	if c.CoralogixConfigured() {
		checkURL(problem, "CORALOGIX_ENDPOINT", c.CoralogixEndpoint)
	}
	if c.SlackBotToken != "" && !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		problem("SLACK_BOT_TOKEN: a bot token starts with xoxb- (OAuth & Permissions > Bot User OAuth Token)")
	}
	switch {
	case c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-"):
		problem("SLACK_APP_TOKEN: an app-level token starts with xapp- (Basic Information > App-Level Tokens)")
	case (c.SlackAppToken != "" || c.SlackSigningSecret != "") && c.SlackBotToken == "":
		problem("Slack is partly configured: also set SLACK_BOT_TOKEN (OAuth & Permissions > Bot User OAuth Token)")
	case c.SlackBotToken != "" && c.SlackAppToken == "" && c.SlackSigningSecret == "":
		problem("Slack is partly configured: set SLACK_SIGNING_SECRET (for webhooks) or SLACK_APP_TOKEN (for Socket Mode)")
	}
	if c.SlackConfigured() {
		checkURL(problem, "SLACK_API_URL", c.SlackAPIURL)
		// The expiry update goes through the confirmation's response_url,
		// which Slack honours for 30 minutes.
		if c.ConfirmTTL > SlackMaxTTL {
			problem("INCIDENTBOT_CONFIRM_TTL: %s is too long for Slack, whose response_url lives 30 minutes: the expiry could not be shown. Use at most %s", c.ConfirmTTL, SlackMaxTTL)
		}
	}
	if c.DiscordConfigured() || c.DiscordAppID != "" || c.DiscordGuildID != "" {
		if c.DiscordAppID == "" {
			problem("Discord is partly configured: also set DISCORD_APP_ID (Developer Portal > General Information > Application ID)")
		}
		if !c.DiscordConfigured() {
			problem("Discord is partly configured: set DISCORD_BOT_TOKEN (gateway) or DISCORD_PUBLIC_KEY (HTTP interactions endpoint)")
		}
		if c.DiscordPublicKey != "" {
			if key, err := hex.DecodeString(c.DiscordPublicKey); err != nil || len(key) != 32 {
				problem("DISCORD_PUBLIC_KEY: not a 64-character hex key (Developer Portal > General Information > Public Key)")
			}
		}
		checkURL(problem, "DISCORD_API_URL", c.DiscordAPIURL)
		if c.DiscordConfigured() && c.ConfirmTTL > DiscordMaxTTL {
			problem("INCIDENTBOT_CONFIRM_TTL: %s is too long for Discord, whose interaction token lives 15 minutes: the expiry could not be shown. Use at most %s", c.ConfirmTTL, DiscordMaxTTL)
		}
		if p := strings.ToLower(c.DiscordPermissions); p != "everyone" {
			if n, err := strconv.ParseInt(p, 10, 64); err != nil || n < 0 {
				problem("DISCORD_DEFAULT_PERMISSIONS: %q is not a decimal permission set (32 = Manage Server, 0 = administrators only) or everyone", c.DiscordPermissions)
			}
		}
	}
	if (c.AccessKey != "" || c.SecretKey != "") && !c.SecMasterConfigured() && !c.COCConfigured() {
		problem("HUAWEICLOUD_SDK_AK/SK are set but no Huawei Cloud service is: set SECMASTER_ENDPOINT or COC_ENDPOINT")
	}
	return c, errors.Join(errs...)
}

// The longest confirmation a platform can still update when it expires
// (Slack's response_url lives 30 minutes, Discord's interaction token 15),
// with a minute to spare.
const (
	SlackMaxTTL   = 29 * time.Minute
	DiscordMaxTTL = 14 * time.Minute
)
