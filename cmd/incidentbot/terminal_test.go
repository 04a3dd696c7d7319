package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// piped runs the built binary on the sandbox with input piped in, as a
// script would, and returns its exit code and output. env adds variables
// to a clean environment (nothing of the test's own INCIDENTBOT_*).
func piped(t *testing.T, input string, env ...string) (code int, stdout, stderr string) {
	t.Helper()
	return execBinary(t, input, nil, env...)
}

func execBinary(t *testing.T, input string, args []string, env ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "USER=newcomer"}, env...)
	cmd.Stdin = strings.NewReader(input)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func TestPipedExitCodes(t *testing.T) {
	denyDelete := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(denyDelete, []byte("rules:\n  - verbs: [accept]\n    request: [console]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, input string
		env         []string
		code        int
		out, errOut []string // what stdout and stderr must hold
	}{
		{name: "all done", input: "delete inc-1001\nconfirm\nhelp\ndelete inc-1002 --dry-run\n", code: 0,
			out: []string{"SecMaster: deleted 1 of 1"}},
		{name: "a cancel is not a failure", input: "delete inc-1001\ncancel\n", code: 0, out: []string{"Cancelled: delete incidents (1)"}},
		{name: "a usage error", input: "delete inc-1001 --force\nhelp\n", code: 1, out: []string{"no option --force"}},
		{name: "a typo", input: "delte inc-1\n", code: 1, out: []string{"Did you mean delete?"}},
		{name: "refused by the policy", input: "delete inc-1001\n", env: []string{"INCIDENTBOT_POLICY=" + denyDelete}, code: 1,
			out: []string{"Not allowed: nothing was run."}},
		{name: "refused by the vendor", input: "accept IM202611220002\n", code: 1,
			out: []string{"COC refused the request", "it can be accepted only when it is created"}},
		{name: "one ID refused by the vendor", input: "delete inc-1001 nope-9\nconfirm\n", code: 1,
			out: []string{"SecMaster: deleted 1 of 2", "nope-9: listed in error_ids"}},
		{name: "confirm with nothing waiting", input: "confirm\n", code: 1, out: []string{"Nothing is waiting for confirmation."}},
		{name: "an outcome unknown", input: "delete inc-1001\nconfirm\n", env: []string{"INCIDENTBOT_SANDBOX_FAULTS=secmaster.delete=500"}, code: 3,
			out:    []string{"SecMaster: outcome unknown: delete incidents (1)"},
			errOut: []string{"Sandbox faults injected (INCIDENTBOT_SANDBOX_FAULTS): secmaster.delete=500."}},
		{name: "unknown outweighs refused", input: "delte\ndelete inc-1001\nconfirm\n", env: []string{"INCIDENTBOT_SANDBOX_FAULTS=secmaster.delete=503"}, code: 3},
		{name: "a confirmation left waiting", input: "delete inc-1001\nunassign cx-3001 cx-3002\n", code: 1,
			out: []string{"2 confirmations were still waiting and were not run:", "delete incidents (1)", "remove user assignments from incidents (2)"},
			// one audit line per dropped confirmation
			errOut: []string{`event=expire platform=console user=newcomer user_name=newcomer channel=console verb=delete vendor=SecMaster operation="delete incidents" count=1 ids=[inc-1001] outcome="dropped: the bot stopped"`,
				`verb=unassign vendor=Coralogix operation="remove user assignments from incidents" count=2 ids="[cx-3001 cx-3002]" outcome="dropped: the bot stopped"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := piped(t, tc.input, tc.env...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, want := range tc.out {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tc.errOut {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}

// A typo shows the verb it suggests and that verb's usage, not every verb's.
func TestATypoShowsOneUsage(t *testing.T) {
	_, out, _ := piped(t, "delte inc-1\n")
	if !strings.Contains(out, `"delte" is not a command I know. Did you mean delete?`) || !strings.Contains(out, "/incident delete INCIDENT_ID... [--dry-run]") {
		t.Fatalf("typo:\n%s", out)
	}
	for _, other := range []string{"/incident unassign", "/incident create", "/incident whoami", "/incident verify"} {
		if strings.Contains(out, other) {
			t.Errorf("the typo's answer shows %s too:\n%s", other, out)
		}
	}
}

// cancel all cancels every waiting confirmation, each through the core: an
// audit line each, and nothing runs after.
func TestCancelAll(t *testing.T) {
	code, out, errOut := piped(t, "delete inc-1001\nunassign cx-3001\nunlink inc-1002 alert-2004\ncancel all\nconfirm\ncancel all\n")
	if got := strings.Count(out, "Cancelled by newcomer. Nothing was changed."); got != 3 {
		t.Errorf("%d cancels shown, want 3:\n%s", got, out)
	}
	if got := strings.Count(errOut, "event=cancel "); got != 3 || strings.Count(errOut, `outcome=cancelled`) != 3 {
		t.Errorf("%d cancel audit lines, want 3 cancelled:\n%s", got, errOut)
	}
	if !strings.Contains(out, "Nothing is waiting for confirmation.") || !strings.Contains(out, "nothing to cancel") {
		t.Errorf("confirm and cancel all after cancel all:\n%s", out)
	}
	if strings.Contains(out, "Running:") || strings.Contains(out, "still waiting") {
		t.Errorf("something ran or was left waiting:\n%s", out)
	}
	if code != 1 { // the confirm that named nothing
		t.Errorf("exit code %d, want 1", code)
	}
}

func TestArgumentsAndSubcommands(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		code      int
		out, errs string
	}{
		{args: []string{"foo"}, code: 2, errs: `unknown command: "foo"`},
		{args: []string{"--bogus"}, code: 2, errs: "flag provided but not defined: -bogus"},
		{args: []string{"version", "extra"}, code: 2, errs: `version takes no arguments: "extra"`},
		{args: []string{"version"}, code: 0, out: "incidentbot "},
		{args: []string{"--version"}, code: 0, out: "incidentbot "},
		{args: []string{"help"}, code: 0, out: "INCIDENTBOT_SANDBOX_FAULTS"},
		{args: []string{"--help"}, code: 0, out: "INCIDENTBOT_SANDBOX_FAULTS"},
		{args: []string{"healthcheck"}, code: 1, errs: "healthcheck: not ready"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			// Input that would run a command, were the bot started.
			code, out, errOut := execBinary(t, "delete inc-1001\nconfirm\n", tc.args, "INCIDENTBOT_ADDR=127.0.0.1:1")
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errs) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if strings.Contains(out+errOut, "deleted") || strings.Contains(errOut, "starting") {
				t.Fatalf("the bot started:\n%s\n%s", out, errOut)
			}
			if tc.code == 2 && !strings.Contains(errOut, "Usage: incidentbot") {
				t.Fatalf("no usage with the refusal:\n%s", errOut)
			}
		})
	}
}

// readmeBlock returns the first fenced block after the line that holds
// marker in README.md, so the tests run what the README shows.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), marker)
	if !ok {
		t.Fatalf("README.md has no %q", marker)
	}
	m := regexp.MustCompile("(?s)```[a-z]*\n(.*?)```").FindStringSubmatch(rest)
	if m == nil {
		t.Fatalf("README.md has no code block after %q", marker)
	}
	return m[1]
}

// The README's tour, run as written on the seeded sandbox: its commands
// piped in, and every line it shows is on the screen (but the token,
// which is random, and what it leaves out with "...").
func TestTheREADMETourWorksAsWritten(t *testing.T) {
	t.Run("A short tour", func(t *testing.T) {
		var input strings.Builder
		var shown []string
		for _, line := range strings.Split(readmeBlock(t, "## A short tour"), "\n") {
			if cmd, ok := strings.CutPrefix(line, "incident> "); ok {
				input.WriteString(cmd + "\n")
			} else if strings.TrimSpace(line) != "" && !strings.Contains(line, "(token ") && !strings.Contains(line, "...") {
				shown = append(shown, line)
			}
		}
		if input.Len() == 0 || len(shown) < 5 {
			t.Fatalf("the tour's block was not understood: input %q, %d lines shown", input.String(), len(shown))
		}
		code, out, errOut := piped(t, input.String())
		for _, line := range shown {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("the README shows %q; the bot did not print it", line)
			}
		}
		if code != 1 { // the README says so: SecMaster refuses nope-9
			t.Errorf("exit code %d, want 1", code)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		}
	})
	t.Run("More to try", func(t *testing.T) {
		input := readmeBlock(t, "More to try")
		code, out, errOut := piped(t, input)
		if code != 0 || strings.Contains(out, "✗") {
			t.Fatalf("exit code %d: a line of More to try did not succeed:\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		// Each line did what it says: a ticket made and taken through every
		// step, the seeded ones too, a dry run, a cancel.
		for _, want := range []string{"SecMaster: unlinked 2 of 2", "Coralogix: unassigned 2 of 2", "Ticket IM202611220001: accepted",
			"Ticket IM202611220002: verification passed", "Incident IM20261122000002: DB down in eu-west", "Ticket IM20261122000002: accepted",
			"Ticket IM20261122000002: solution submitted", "Ticket IM20261122000002: verification passed", "Dry run: delete incidents (2)",
			"Cancelled: delete incidents (1)", "/incident create --title TEXT"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		if t.Failed() {
			t.Logf("stdout:\n%s", out)
		}
	})
	t.Run("piped", func(t *testing.T) {
		block := readmeBlock(t, "It also works piped")
		m := regexp.MustCompile(`printf '([^']*)' \| go run ./cmd/incidentbot`).FindStringSubmatch(block)
		if m == nil {
			t.Fatalf("no printf line in:\n%s", block)
		}
		code, out, errOut := piped(t, strings.ReplaceAll(m[1], `\n`, "\n"))
		if code != 0 || !strings.Contains(out, "SecMaster: deleted 2 of 2") {
			t.Fatalf("exit code %d:\n%s\n%s", code, out, errOut)
		}
	})
}

// Ctrl-C (SIGINT) with a confirmation waiting: the process stops, the
// confirmation gets an audit line and the screen says it was not run.
func TestInterruptReportsWaitingConfirmations(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "USER=newcomer"}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "delete inc-1001 inc-1002\n"); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(out, []byte("[Confirm] [Cancel]")) || !bytes.Contains(out, []byte("Expires in")) {
		n, err := stdout.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			t.Fatalf("%v before the confirmation:\n%s", err, out)
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	out = append(out, rest...)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit %v, want code 1 (a confirmation not run)", err)
	}
	if !strings.Contains(string(out), "1 confirmation was still waiting and was not run:") || !strings.Contains(string(out), "delete incidents (2)") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut.String(), `ids="[inc-1001 inc-1002]" outcome="dropped: the bot stopped"`) {
		t.Errorf("no dropped audit line:\n%s", errOut.String())
	}
}
