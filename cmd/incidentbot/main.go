// Command incidentbot is the ChatOps bot for incident response. With no
// configuration it runs on the terminal against a built-in sandbox of the
// vendor APIs; see README.md and `incidentbot --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/config"
)

// environ lists the environment, to warn about INCIDENTBOT_* names the bot
// does not read (getenv can only look names up). Tests replace it.
var environ = os.Environ

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its surroundings as parameters, so tests drive the real
// thing. It returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("incidentbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: incidentbot\n\nRuns the incident bot. With no chat platform configured it talks on this\nterminal; with no vendor configured it uses a built-in sandbox.\n\n%s", config.Usage())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot: the configuration has problems:\n")
		for _, e := range unjoin(err) {
			fmt.Fprintf(stderr, "  - %v\n", e)
		}
		fmt.Fprintf(stderr, "Run incidentbot --help for every variable.\n")
		return 2
	}
	logger := newLogger(stderr, cfg.LogLevel)
	for _, name := range config.Unknown(environ()) {
		logger.Warn("unknown variable ignored: "+name+" is not one the bot reads (run incidentbot --help for the list)", "variable", name)
	}
	access, err := loadAccess(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot: the access policy %s has problems:\n", cfg.PolicyFile)
		for _, e := range unjoin(err) {
			fmt.Fprintf(stderr, "  - %v\n", e)
		}
		return 2
	}
	reloadOnHangup(ctx, access, cfg.PolicyFile, logger)

	deps, note, closeVendors, err := buildVendors(cfg)
	if err != nil {
		logger.Error("cannot start", "error", err)
		return 1
	}
	defer closeVendors()

	st, err := openState(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot: %v\n", err)
		return 2
	}
	defer st.close()

	// The in-memory store does not survive a stop: Stop tells each open
	// confirmation's message so (ForgetOnStop). Redis keeps them.
	b := bot.New(deps, bot.Options{ConfirmTTL: cfg.ConfirmTTL, Logger: logger, Note: note, Access: access,
		Store: st.store, Runs: st.runs, Values: st.values, RunLease: cfg.RunLease,
		Limits: pending.Limits{PerUser: cfg.MaxPendingUser, Total: cfg.MaxPending}, ForgetOnStop: !st.shared})
	defer b.Close()
	if note != "" {
		logger.Info("sandbox mode: SecMaster, COC and Coralogix are emulated in memory")
	}

	if cfg.ChatConfigured() {
		if err := serve(ctx, cfg, b, st, logger); err != nil {
			logger.Error("stopped", "error", err)
			return 1
		}
		return 0
	}

	user := getenv("USER")
	if user == "" {
		user = "console"
	}
	prompt := ""
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		prompt = "incident> "
		fmt.Fprintln(stdout, "incidentbot on the terminal. Type help, or e.g. delete inc-1001 inc-1002; exit or Ctrl-D to leave.")
		if note != "" {
			fmt.Fprintln(stdout, note)
		}
		if f, ok := stderr.(*os.File); ok && isTerminal(f) {
			fmt.Fprintln(stdout, "Audit lines go to standard error; start with 2>audit.log to keep them off this screen.")
		}
		fmt.Fprintln(stdout)
	}
	term := console.New(b, stdin, stdout, user, prompt)
	b.SetUpdater("console", term.Update)
	if err := term.Run(ctx); err != nil {
		logger.Error("reading standard input", "error", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	// Redacted: a response URL or an interaction token never reaches the log.
	return slog.New(bot.NewRedactHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
