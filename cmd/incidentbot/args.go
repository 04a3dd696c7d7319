package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/incidentbot/incidentbot/config"
)

// usage is the program's own usage, the first part of --help.
const usage = `Usage: incidentbot [--version]
       incidentbot version
       incidentbot healthcheck
       incidentbot help

Runs the incident bot. With no chat platform configured it talks on this
terminal; with no vendor configured it uses a built-in sandbox.
version prints the version and commit (as --version).
healthcheck asks a running bot's /readyz (on INCIDENTBOT_ADDR) and exits 0 when it is ready, else 1.

Piped (standard input not a terminal), it exits 0 when everything asked for
was done, 1 when something was refused, failed or left unconfirmed, 3 when
an outcome is unknown (the vendor may have acted); 2 is a usage error of the
program itself (an unknown argument, a bad configuration).
`

// exitUsage is the exit code of a usage error of the program itself: an
// unknown argument or subcommand, a bad configuration or policy.
const exitUsage = 2

// command reads the program's arguments. It answers the ones that need no
// bot (help, version, healthcheck, and every mistake) and returns done
// with the exit code; otherwise the bot is to run.
func command(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (code int, done bool) {
	fs := flag.NewFlagSet("incidentbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "%s\n%s", usage, config.Usage())
			return 0, true
		}
		return exitUsage, true // the flag package said what was wrong, then the usage
	}
	if *showVersion {
		if fs.NArg() > 0 {
			return refuseArgs(stderr, "--version takes no arguments", fs.Args()), true
		}
		fmt.Fprintln(stdout, versionString())
		return 0, true
	}
	if fs.NArg() == 0 {
		return 0, false
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "version", "healthcheck", "help":
		if len(rest) > 0 {
			return refuseArgs(stderr, sub+" takes no arguments", rest), true
		}
	}
	switch sub {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0, true
	case "healthcheck":
		return healthcheck(ctx, getenv, stderr), true
	case "help":
		fmt.Fprintf(stdout, "%s\n%s", usage, config.Usage())
		return 0, true
	}
	return refuseArgs(stderr, "unknown command", fs.Args()), true
}

// refuseArgs says what was wrong with the arguments, then the usage.
func refuseArgs(stderr io.Writer, problem string, args []string) int {
	fmt.Fprintf(stderr, "incidentbot: %s: %q\n%s", problem, args[0], usage)
	return exitUsage
}
