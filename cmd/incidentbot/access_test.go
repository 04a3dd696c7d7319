package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/config"
)

// A policy file with mistakes stops the bot at start, naming the file,
// the line and what is wrong.
func TestBadPolicyStopsTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(path, []byte("rules:\n  - verbs: [delete, obliterate]\n    request: [slack:nobody]\n"), 0o600)
	code, _, stderr := runBot(t, map[string]string{"INCIDENTBOT_POLICY": path}, "help\n")
	if code != 2 || !strings.Contains(stderr, path+":2:") || !strings.Contains(stderr, "obliterate") || !strings.Contains(stderr, path+":3:") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// A policy path that points at something huge (a log, a dump) stops the
// start with a message saying so, instead of reading it all.
func TestAHugePolicyFileStopsTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	rules := "rules:\n  - verbs: [\"*\"]\n    request: [\"*\"]\n"
	_ = os.WriteFile(path, []byte(rules+strings.Repeat("# padding\n", 120_000)), 0o600)
	code, _, stderr := runBot(t, map[string]string{"INCIDENTBOT_POLICY": path}, "help\n")
	if code != 2 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "larger than 1024 KiB") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// On the terminal, a policy that names only the console user for delete
// lets them ask; one that does not refuses them, and SIGHUP reloads it.
func TestPolicyOnTheTerminalAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  - verbs: [create]\n    request: [\"*\"]\n")
	in, w := io.Pipe()
	out := &bottest.Buffer{}
	done := make(chan int)
	go func() {
		done <- run(context.Background(), nil, env(map[string]string{"INCIDENTBOT_POLICY": path, "USER": "alice"}), in, out, io.Discard)
	}()
	say := func(line, want string) {
		t.Helper()
		_, _ = io.WriteString(w, line+"\n")
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%q: never saw %q in:\n%s", line, want, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	say("delete inc-1001", "Not allowed: nothing was run.")
	write("rules:\n  - verbs: [delete]\n    request: [console]\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mark := len(out.String())
		_, _ = io.WriteString(w, "delete inc-1001\n")
		time.Sleep(50 * time.Millisecond)
		if strings.Contains(out.String()[mark:], "Confirm: delete incidents (1)?") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP the new policy is not in force:\n%s", out.String())
		}
	}
	w.Close()
	// 1: the delete the old policy refused, and the confirmation left
	// waiting when the input ended (piped use's exit codes).
	if code := <-done; code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

// The Discord command is hidden from members by default when the policy
// lets Discord members use the bot only through roles.
func TestDiscordPermissionsFollowThePolicy(t *testing.T) {
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	parse := func(body string) *policy.Policy {
		p, err := policy.Parse("p.yaml", []byte(body), verbs)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	roleOnly := parse("rules:\n  - verbs: [\"*\"]\n    request: [discord:role:5566, slack:U0ALICE]\n")
	everyone := parse("rules:\n  - verbs: [delete]\n    request: [discord:role:5566]\n  - verbs: [create]\n    request: [\"*\"]\n")
	logger := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name string
		env  string
		p    *policy.Policy
		want string
	}{
		{"no policy: Manage Server", "", nil, ""},
		{"roles only: administrators until they allow the roles", "", roleOnly, "0"},
		{"a verb for everyone: Manage Server", "", everyone, ""},
		{"the variable wins", "everyone", roleOnly, "everyone"},
	} {
		if got := discordPermissions(&config.Config{DiscordPermissions: tc.env}, tc.p, logger); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
