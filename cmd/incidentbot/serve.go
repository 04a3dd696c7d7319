package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	discordbot "github.com/incidentbot/incidentbot/bot/discord"
	"github.com/incidentbot/incidentbot/bot/health"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/bot/policy"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/bot/work"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/config"
)

// opsRoutes adds what operators scrape and probe: GET /metrics, /healthz
// and /readyz. The metrics get the build's facts and every verb's series
// at zero.
func opsRoutes(mux *http.ServeMux, m *metrics.Metrics, ready *health.Checker) {
	v, c := build()
	m.BuildInfo(v, c, runtime.Version())
	var verbs []string
	byVendor := map[string][]string{}
	for _, verb := range commands.Verbs() {
		verbs = append(verbs, verb.Name)
		if verb.Vendor != "" {
			byVendor[verb.Vendor] = append(byVendor[verb.Vendor], verb.Name)
		}
	}
	m.Known(verbs, byVendor)
	mux.Handle("GET /metrics", m.Handler())
	ready.Routes(mux)
}

// listen starts serving mux on addr; a serving error after that goes to
// errs (when not nil). An endpoint that answers /readyz is served, so the
// webhook transports need no probe of their own.
func listen(addr string, mux *http.ServeMux, logger *slog.Logger, errs chan<- error) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on INCIDENTBOT_ADDR %s: %w", addr, err)
	}
	srv := &http.Server{Handler: work.RecoverHTTP(mux, logger), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && errs != nil {
			errs <- err
		}
	}()
	logger.Info("listening", "addr", ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	return srv, nil
}

// serve runs the chat adapters and their HTTP endpoints until ctx is done
// (SIGTERM), then drains: /readyz answers 503 at once while everything
// keeps serving for INCIDENTBOT_DRAIN_DELAY, so a load balancer or
// Kubernetes stops sending before the listener closes (the distroless
// image cannot run a preStop sleep). Then it stops gracefully: no new commands; open confirmations are dropped
// and their messages say so (unless a shared store keeps them); running
// actions may finish until INCIDENTBOT_SHUTDOWN_TIMEOUT, after which each
// user whose action still runs is told that its outcome is unknown (and
// the audit log says so).
//
// Readiness: the configuration is loaded, the endpoint answers, the shared
// store answers where one is configured, and Socket Mode or the Discord
// gateway (where used) is connected.
func serve(signalled context.Context, cfg *config.Config, b *bot.Bot, st *state, access *policy.Holder, logger *slog.Logger, m *metrics.Metrics, ready *health.Checker, pick *picker.Picker) error {
	// The transports run on their own context: SIGTERM must not stop them
	// before the drain is over. A failed transport stops the others.
	ctx, stop := context.WithCancel(context.WithoutCancel(signalled))
	defer stop()
	serving := health.NewFlag("stopping: draining before shutdown")
	serving.Set(true, "")
	ready.Add("stopping", serving.Check)
	stopDraining := context.AfterFunc(signalled, func() { serving.Set(false, "") }) // not ready at once
	defer stopDraining()
	mux := http.NewServeMux()
	opsRoutes(mux, m, ready)

	var drains []func(context.Context) int
	var background sync.WaitGroup
	errs := make(chan error, 3) // one per transport that can fail: never blocks a sender
	if cfg.SlackConfigured() {
		sl := slackbot.New(slackbot.Options{Bot: b, BotToken: cfg.SlackBotToken, SigningSecret: cfg.SlackSigningSecret,
			AppToken: cfg.SlackAppToken, APIURL: cfg.SlackAPIURL, Logger: logger, Values: st.values, Seen: st.once, BotChecksReplays: true, Metrics: m, Picker: pick})
		if err := sl.CheckAuth(signalled); err != nil {
			return err
		}
		drains = append(drains, sl.Drain)
		b.SetUpdater("slack", sl.UpdateMessage)
		b.SetAnnouncer("slack", sl.Announce)
		if cfg.AuditPlatform == "slack" {
			channel := cfg.AuditChannel
			b.SetAuditChannel("slack", func(ctx context.Context, r reply.Reply) error { return sl.Post(ctx, channel, r) })
		}
		if cfg.SlackSocketMode() {
			ready.Add("slack", sl.SocketReady)
			background.Add(1)
			go func() {
				defer background.Done()
				// It returns only when it fails or ctx is cancelled.
				if err := sl.RunSocketMode(ctx); !errors.Is(err, context.Canceled) {
					errs <- fmt.Errorf("slack socket mode: %w", err)
				}
			}()
			logger.Info("slack: socket mode")
		} else {
			sl.Routes(mux)
			logger.Info("slack: webhooks on POST /slack/commands, /slack/interactions and /slack/options", "addr", cfg.Addr)
		}
	}

	if cfg.DiscordConfigured() {
		dc, err := discordbot.New(discordbot.Options{Bot: b, BotToken: cfg.DiscordBotToken, AppID: cfg.DiscordAppID, GuildID: cfg.DiscordGuildID,
			PublicKey: cfg.DiscordPublicKey, APIURL: cfg.DiscordAPIURL, Logger: logger, Values: st.values, Seen: st.once, BotChecksReplays: true,
			DefaultPermissions: discordPermissions(cfg, access.Policy(), logger), Metrics: m, Picker: pick})
		if err != nil {
			return err
		}
		drains = append(drains, dc.Drain)
		b.SetUpdater("discord", dc.UpdateMessage)
		b.SetAnnouncer("discord", dc.Announce)
		if cfg.AuditPlatform == "discord" {
			channel := cfg.AuditChannel
			b.SetAuditChannel("discord", func(ctx context.Context, r reply.Reply) error { return dc.Post(ctx, channel, r) })
		}
		if cfg.DiscordBotToken != "" {
			if err := dc.RegisterCommands(signalled); err != nil {
				// The command may already be registered from an earlier start.
				logger.Error("discord: registering /incident failed; existing commands are left as they are", "error", err)
			} else {
				logger.Info("discord: /incident registered", "guild", cfg.DiscordGuildID)
			}
		}
		if cfg.DiscordHTTP() {
			dc.Routes(mux)
			logger.Info("discord: interactions on POST /discord/interactions", "addr", cfg.Addr)
		} else {
			ready.Add("discord", dc.GatewayReady)
			background.Add(1)
			go func() {
				defer background.Done()
				if err := holdGateway(ctx, st, logger, dc.RunGateway); err != nil {
					errs <- err
				}
			}()
			logger.Info("discord: gateway")
		}
	}

	srv, err := listen(cfg.Addr, mux, logger, errs)
	if err != nil {
		return err
	}

	var runErr error
	select {
	case <-signalled.Done():
		logger.Info("draining: /readyz answers 503; still serving", "delay", cfg.DrainDelay.String())
		select {
		case <-time.After(cfg.DrainDelay):
		case runErr = <-errs:
		}
	case runErr = <-errs:
	}
	stop()
	logger.Info("stopping: no new commands; running actions may finish", "timeout", cfg.ShutdownTimeout.String())
	deadline, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	_ = srv.Shutdown(deadline) // waits for the handlers in flight, which only acknowledge
	background.Wait()          // the gateway and Socket Mode are closed
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // open confirmations: their messages say the bot restarted
		defer wg.Done()
		if n := b.Stop(deadline); n > 0 {
			logger.Info("open confirmations dropped; their messages say so", "count", n)
		}
	}()
	for _, drain := range drains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n := drain(deadline); n > 0 {
				logger.Warn("stopped with actions still running: their users were told the outcome is unknown", "count", n)
			}
		}()
	}
	wg.Wait()
	logger.Info("stopped")
	return runErr
}

// discordPermissions is the /incident command's default_member_permissions:
// DISCORD_DEFAULT_PERMISSIONS when set; else, when the access policy lets
// members on Discord use the bot only through their roles, "0" (only
// administrators see the command until they allow those roles under
// Server Settings > Integrations: members cannot use it anyway); else
// Manage Server. One command carries every verb, so Discord cannot hide
// some verbs and show others; the policy is checked on every interaction.
func discordPermissions(cfg *config.Config, p *policy.Policy, logger *slog.Logger) string {
	if cfg.DiscordPermissions != "" {
		return cfg.DiscordPermissions
	}
	var verbs []string
	for _, v := range commands.Verbs() {
		if !v.Informational {
			verbs = append(verbs, v.Name)
		}
	}
	if p.DiscordRoleOnly(verbs) {
		logger.Info("discord: the policy grants /incident only through roles, so it is hidden from members until an administrator allows those roles (Server Settings > Integrations)")
		return "0"
	}
	return ""
}
