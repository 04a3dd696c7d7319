package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/config"
)

// loadAccess reads the access policy named by INCIDENTBOT_POLICY. Without
// one every user may run every verb, which the log says at start. Slack
// user groups in rules are resolved through Slack's Web API, cached for a
// minute, with a short timeout: the policy is asked before the ack.
func loadAccess(cfg *config.Config, logger *slog.Logger) (*policy.Holder, error) {
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	var groups policy.GroupResolver
	if cfg.SlackConfigured() {
		groups = policy.NewGroupCache(&policy.SlackGroups{BaseURL: cfg.SlackAPIURL, Token: cfg.SlackBotToken,
			Client: &http.Client{Timeout: 1500 * time.Millisecond}}, policy.GroupTTL, time.Now)
	}
	holder := policy.NewHolder(verbs, groups)
	if cfg.PolicyFile == "" {
		logger.Warn("access: " + policy.NoPolicy + "; set INCIDENTBOT_POLICY to a policy file to restrict it")
		return holder, nil
	}
	if err := holder.Reload(cfg.PolicyFile); err != nil {
		return nil, err
	}
	logger.Info("access: policy loaded", "file", cfg.PolicyFile, "policy", holder.Policy().Describe())
	return holder, nil
}
