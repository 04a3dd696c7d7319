package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	discordbot "github.com/incidentbot/incidentbot/bot/discord"
	slackbot "github.com/incidentbot/incidentbot/bot/slack"
	"github.com/incidentbot/incidentbot/config"
)

// serve runs the chat adapters and their HTTP endpoints until ctx is done,
// then stops gracefully: no new commands; open confirmations are dropped
// and their messages say so (unless a shared store keeps them); running
// actions may finish until INCIDENTBOT_SHUTDOWN_TIMEOUT, after which each
// user whose action still runs is told that its outcome is unknown (and
// the audit log says so).
func serve(ctx context.Context, cfg *config.Config, b *bot.Bot, st *state, logger *slog.Logger) error {
	ctx, stop := context.WithCancel(ctx) // a failed transport stops the others
	defer stop()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })

	var drains []func(context.Context) int
	var background sync.WaitGroup
	errs := make(chan error, 3) // one per transport that can fail: never blocks a sender
	if cfg.SlackConfigured() {
		sl := slackbot.New(slackbot.Options{Bot: b, BotToken: cfg.SlackBotToken, SigningSecret: cfg.SlackSigningSecret,
			AppToken: cfg.SlackAppToken, APIURL: cfg.SlackAPIURL, Logger: logger, Values: st.values, Seen: st.once})
		if err := sl.CheckAuth(ctx); err != nil {
			return err
		}
		drains = append(drains, sl.Drain)
		b.SetUpdater("slack", sl.UpdateMessage)
		if cfg.SlackSocketMode() {
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
			logger.Info("slack: webhooks on POST /slack/commands and /slack/interactions", "addr", cfg.Addr)
		}
	}

	if cfg.DiscordConfigured() {
		dc, err := discordbot.New(discordbot.Options{Bot: b, BotToken: cfg.DiscordBotToken, AppID: cfg.DiscordAppID, GuildID: cfg.DiscordGuildID,
			PublicKey: cfg.DiscordPublicKey, APIURL: cfg.DiscordAPIURL, Logger: logger, Values: st.values, Seen: st.once,
			DefaultPermissions: cfg.DiscordPermissions})
		if err != nil {
			return err
		}
		drains = append(drains, dc.Drain)
		b.SetUpdater("discord", dc.UpdateMessage)
		if cfg.DiscordBotToken != "" {
			if err := dc.RegisterCommands(ctx); err != nil {
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

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on INCIDENTBOT_ADDR %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: bot.RecoverHTTP(mux, logger), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	logger.Info("listening", "addr", ln.Addr().String())

	var runErr error
	select {
	case <-ctx.Done():
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
