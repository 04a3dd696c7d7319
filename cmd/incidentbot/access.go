package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
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

// reloadOnHangup reloads the policy on SIGHUP until ctx is done. A bad file
// keeps the policy in force, and the log says why.
func reloadOnHangup(ctx context.Context, holder *policy.Holder, path string, logger *slog.Logger) {
	if path == "" {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := holder.Reload(path); err != nil {
					logger.Error("access: reloading the policy failed; the previous policy stays in force", "file", path, "error", err)
					continue
				}
				logger.Info("access: policy reloaded", "file", path, "policy", holder.Policy().Describe())
			}
		}
	}()
}
