package main

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/policy"
)

// policyPollEvery is how often the policy file is read for a change.
// Tests shorten it.
var policyPollEvery = 5 * time.Second

// watchPolicy keeps the access policy in step with its file until ctx is
// done: on SIGHUP, and whenever the file's content changes. A ConfigMap
// mounted in a pod changes by a symlink swap (..data -> a new directory)
// and sends no signal, and there is no kill in a distroless pod; reading
// the path each time follows the swap, where a watch on the old file would
// not. Each reload is logged and counted (incidentbot_policy_reloads_total);
// a bad file keeps the policy in force and the log says why, once per
// content.
func watchPolicy(ctx context.Context, holder *policy.Holder, path string, logger *slog.Logger, m *metrics.Metrics) {
	if path == "" {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	last := digest(path) // what was loaded at start
	tick := time.NewTicker(policyPollEvery)
	go func() {
		defer signal.Stop(hup)
		defer tick.Stop()
		for {
			var why string
			select {
			case <-ctx.Done():
				return
			case <-hup:
				why = "SIGHUP"
			case <-tick.C:
				if d := digest(path); d != last {
					last, why = d, "the file changed"
				} else {
					continue
				}
			}
			last = digest(path)
			if err := holder.Reload(path); err != nil {
				m.PolicyReload(false)
				logger.Error("access: reloading the policy failed; the previous policy stays in force", "file", path, "trigger", why, "error", err)
				continue
			}
			m.PolicyReload(true)
			logger.Info("access: policy reloaded", "file", path, "trigger", why, "policy", holder.Policy().Describe())
		}
	}()
}

// digest identifies the file's content, or why it cannot be read.
func digest(path string) string {
	b, err := policy.ReadFile(path)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	sum := sha256.Sum256(b)
	return string(sum[:])
}
