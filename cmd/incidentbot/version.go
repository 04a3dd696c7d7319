package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"runtime/debug"

	"github.com/incidentbot/incidentbot/bot/health"
	"github.com/incidentbot/incidentbot/config"
)

// version and commit are set at build time:
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/incidentbot
//
// Without them the module's build information says what it can.
var version, commit string

func versionString() string {
	v, c := build()
	return fmt.Sprintf("incidentbot %s (commit %s, %s)", v, c, runtime.Version())
}

// build returns the version and the (short) commit, "-dirty" when built
// from a modified tree.
func build() (v, c string) {
	v, c, dirty := version, commit, false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.modified" && commit == "":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = "unknown"
	} else if len(c) > 12 {
		c = c[:12]
	}
	if dirty {
		c += "-dirty"
	}
	return v, c
}

// healthcheck is `incidentbot healthcheck`: it asks the bot on this host
// (INCIDENTBOT_ADDR) whether it is ready, for the image's HEALTHCHECK
// (distroless has no shell or curl). It exits 0 when ready, else 1.
func healthcheck(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	addr := getenv("INCIDENTBOT_ADDR")
	if addr == "" {
		for _, v := range config.Variables {
			if v.Name == "INCIDENTBOT_ADDR" {
				addr = v.Default
			}
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: INCIDENTBOT_ADDR %q: %v\n", addr, err)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/readyz"
	if err := health.Probe(ctx, url); err != nil {
		fmt.Fprintf(stderr, "healthcheck: not ready: %v\n", err)
		return 1
	}
	return 0
}
