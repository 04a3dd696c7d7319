package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
)

// session runs the terminal until the input ends, exit or a signal, then
// ends it: the confirmations still waiting are dropped (an audit line
// each) and listed on the screen. Interactive, it exits 0; piped, with the
// session's status (console.Status): what a script needs to trust it.
func session(ctx context.Context, term *console.Console, b *bot.Bot, interactive bool, logger *slog.Logger) int {
	runErr := term.Run(ctx)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	term.End(stopCtx, b.Stop)
	if runErr != nil {
		logger.Error("reading standard input", "error", runErr)
		return 1
	}
	if interactive {
		return 0
	}
	return int(term.Status())
}

// faultNotice says at start which faults the sandbox injects
// (INCIDENTBOT_SANDBOX_FAULTS), so a misbehaving vendor is not mistaken for
// a bug: on the screen, which is standard output interactively and
// standard error when piped (standard output is the script's), and in the
// log.
func faultNotice(cfg *config.Config, interactive bool, stdout, stderr io.Writer, logger *slog.Logger) {
	if !cfg.UseSandbox() {
		return
	}
	faults, err := sandbox.ParseFaults(cfg.SandboxFaults) // already checked by buildVendors
	if err != nil || len(faults) == 0 {
		return
	}
	var list []string
	for target, f := range faults {
		list = append(list, target+"="+f.String())
	}
	slices.Sort(list)
	msg := "Sandbox faults injected (INCIDENTBOT_SANDBOX_FAULTS): " + strings.Join(list, ", ") +
		". Those calls misbehave on purpose, to show what a responder reads when a vendor does."
	logger.Warn("sandbox faults injected", "faults", list)
	w := stdout
	if !interactive {
		w = stderr
	}
	fmt.Fprintln(w, msg)
}
