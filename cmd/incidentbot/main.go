// Command incidentbot is the ChatOps bot for incident response. With no
// configuration it runs on the terminal against a built-in sandbox of the
// vendor APIs; see README.md and `incidentbot --help`.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/bot/health"
	"github.com/incidentbot/incidentbot/bot/logging"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/vendors/lookup"
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
	if code, done := command(ctx, args, getenv, stdout, stderr); done {
		return code
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
	logger, closeLog, err := setupLogging(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot: %v\n", err)
		return 1
	}
	defer closeLog()
	logger.Info("starting", "version", versionString())
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

	st, err := openState(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot: %v\n", err)
		return 2
	}
	defer st.close()
	if st.shared {
		defer lessEagerGC(getenv, logger)()
	}

	m := metrics.New()
	watchPolicy(ctx, access, cfg.PolicyFile, logger, m)
	deps, reader, note, closeVendors, err := buildVendors(cfg, lookup.Config{Cache: st.cache, Metrics: m.Lookups()})
	if err != nil {
		logger.Error("cannot start", "error", err)
		return 1
	}
	defer closeVendors()

	ready := health.New()
	ready.Add("config", func(context.Context) error { return nil }) // loaded and valid, or we would not be here
	addStoreProbe(ready, st.store)
	// The in-memory store does not survive a stop: Stop tells each open
	// confirmation's message so (ForgetOnStop). Redis keeps them.
	b := bot.New(deps, bot.Options{ConfirmTTL: cfg.ConfirmTTL, Logger: logger, Note: note, Access: access,
		Store: st.store, Seen: st.once, Runs: st.runs, Values: st.values, RunLease: cfg.RunLease, Metrics: m,
		Limits: pending.Limits{PerUser: cfg.MaxPendingUser, Total: cfg.MaxPending}, ForgetOnStop: !st.shared, Lookup: reader})
	defer b.Close()
	// The pickers (autocomplete, options, Tab) read the vendors' lists,
	// and offer them only to whom the policy allows the verb.
	pick := picker.New(picker.Config{Reader: reader, Allowed: b.MayRequest})
	if note != "" {
		logger.Info("sandbox mode: SecMaster, COC and Coralogix are emulated in memory")
	}

	if cfg.ChatConfigured() {
		if err := serve(ctx, cfg, b, st, access, logger, m, ready, pick); err != nil {
			logger.Error("stopped", "error", err)
			return 1
		}
		return 0
	}

	// On the terminal, the HTTP listener (metrics, health) runs only when
	// INCIDENTBOT_ADDR asks for it: a one-command start needs no port.
	if cfg.AddrSet {
		mux := http.NewServeMux()
		opsRoutes(mux, m, ready)
		srv, err := listen(cfg.Addr, mux, logger, nil)
		if err != nil {
			logger.Error("cannot start", "error", err)
			fmt.Fprintf(stderr, "incidentbot: %v\n", err)
			return 1
		}
		defer srv.Close()
	}

	user := getenv("USER")
	if user == "" {
		user = "console"
	}
	prompt := ""
	var editor *console.Editor
	tty, ok := stdin.(*os.File)
	if ok && isTerminal(tty) {
		prompt = "incident> "
		fmt.Fprintln(stdout, "incidentbot on the terminal. Type help, or e.g. delete inc-1001 inc-1002 (Tab completes); exit or Ctrl-D to leave.")
		if note != "" {
			fmt.Fprintln(stdout, note)
		}
	}
	faultNotice(cfg, prompt != "", stdout, stderr, logger)
	if prompt != "" {
		fmt.Fprintln(stdout)
		// Line editing, history and Tab only on a terminal: piped input is
		// read as it always was.
		who := picker.Who{Caller: commands.Caller{Platform: "console", UserID: user, Name: user}}
		if editor, err = console.NewEditor(tty, stdout, prompt, console.Completer{Picker: pick, Who: who}); err != nil {
			logger.Warn("line editor unavailable; reading plain lines", "error", err)
		} else {
			defer editor.Close()
			stdout = editor.Stdout()
		}
	}
	term := console.New(b, stdin, stdout, user, prompt).StopGrace(cfg.ShutdownTimeout)
	if editor != nil {
		term.UseEditor(editor)
	}
	b.SetUpdater("console", term.Update)
	b.Observe(term.Observe)
	return session(ctx, term, b, prompt != "", logger)
}

// setupLogging picks where logs (and the audit trail) go. With a chat
// platform: standard error, JSON unless INCIDENTBOT_LOG_FORMAT says text.
// On the terminal the screen is the conversation's: logs go to
// INCIDENTBOT_LOG_FILE, or to incidentbot.log when standard error is this
// terminal (said once, on standard error), else to standard error as text.
func setupLogging(cfg *config.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	var w io.Writer = stderr
	closeFn := func() {}
	format := cfg.LogFormat
	path := cfg.LogFile
	if !cfg.ChatConfigured() {
		if format == "" {
			format = "text"
		}
		if f, ok := stderr.(*os.File); ok && isTerminal(f) && path == "" {
			path = "incidentbot.log"
		}
	}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		switch {
		case err == nil:
			w, closeFn = f, func() { _ = f.Close() }
			fmt.Fprintf(stderr, "Logs and the audit trail go to %s.\n", path)
		case cfg.LogFile != "": // asked for by name: say so and stop
			return nil, nil, fmt.Errorf("INCIDENTBOT_LOG_FILE: %w", err)
		default: // the default file: the terminal it is, rather than no bot
			fmt.Fprintf(stderr, "Cannot write %s (%v); logs go to this terminal.\n", path, err)
		}
	}
	return newLogger(w, cfg.LogLevel, format), closeFn, nil
}

// newLogger writes logs as JSON or text. It is redacted: a response URL or
// an interaction token never reaches the log.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(logging.NewRedactHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(logging.NewRedactHandler(slog.NewJSONHandler(w, opts)))
}

// addStoreProbe makes a shared store's reachability part of readiness,
// for a store that can say (redisstore.Store.Ping).
func addStoreProbe(ready *health.Checker, store pending.Store) {
	if p, ok := store.(interface{ Ping(context.Context) error }); ok {
		ready.Add("store", p.Ping)
	}
}

// isTerminal says whether f is a terminal: a character device other than
// the null device (2>/dev/null is a character device too, and means
// "nowhere", not "on this screen").
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
