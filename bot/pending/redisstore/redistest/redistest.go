// Package redistest starts a throwaway redis-server for tests: on a free
// loopback port, without persistence, killed when the test ends. Tests that
// use it skip, saying how to install Redis, where redis-server is missing.
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallHint says how to get redis-server, for skip messages.
const InstallHint = "redis-server is not installed, so the Redis tests are skipped; install it (Debian/Ubuntu: apt-get install redis-server) to run them"

// Server is one redis-server process owned by a test.
type Server struct {
	// Addr is host:port on the loopback interface. It stays the same
	// across Restart.
	Addr string

	t   testing.TB
	bin string
	dir string
	// extra arguments after the port's, or for a sentinel its whole
	// command line but the port (see startWith)
	args     []string
	sentinel string // a sentinel's configuration, with %s for the port
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	out      *syncBuffer
}

// Start starts a redis-server on a free loopback port and waits until it
// answers PING. It stops the server when the test ends. Without
// redis-server on PATH it skips the test with InstallHint.
func Start(t testing.TB) *Server {
	t.Helper()
	return startWith(t, &Server{bin: lookPath(t, "redis-server", InstallHint)})
}

// lookPath finds a binary, or skips the test with hint (fails it where CI
// is set: CI installs them, and a skip there would hide a broken set-up).
func lookPath(t testing.TB, name, hint string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redistest: CI is set but " + hint)
		}
		t.Skip(hint)
	}
	return bin
}

// startWith starts s (bin and args set) on a free loopback port.
func startWith(t testing.TB, s *Server) *Server {
	t.Helper()
	s.t, s.dir = t, t.TempDir()
	var last error
	for try := 0; try < 5; try++ { // the free port may be taken before redis-server binds it
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if last = s.start(); last == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("redistest: %v", last)
	return nil
}

// URL is the server's redis:// URL, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Stop kills the server (SIGKILL, as a crash would) and waits for it to
// exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// RestartAsReplicaOf starts a stopped (or running) server again, empty,
// as a replica of primary (host:port), as a supervisor would bring back a
// crashed node.
func (s *Server) RestartAsReplicaOf(primary string) {
	s.t.Helper()
	host, port, _ := net.SplitHostPort(primary)
	s.Stop()
	s.mu.Lock()
	s.args = []string{"--replicaof", host, port}
	s.mu.Unlock()
	s.Restart()
}

// Pause stops the server's process (SIGSTOP), as a frozen VM would;
// Resume lets it go on (SIGCONT).
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume lets a paused server go on.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// Restart starts the server again on the same port, empty (it keeps no
// data), after stopping it if it runs.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for try := 0; try < 20; try++ { // the old socket may linger a moment
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restarting on %s: %v", s.Addr, err)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, port, _ := net.SplitHostPort(s.Addr)
	var cmd *exec.Cmd
	if s.sentinel != "" {
		// A sentinel rewrites its configuration file: each gets its own.
		conf := filepath.Join(s.dir, "sentinel.conf")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(s.sentinel, port)), 0o600); err != nil {
			return err
		}
		cmd = exec.Command(s.bin, conf)
	} else {
		cmd = exec.Command(s.bin, append([]string{
			"--port", port, "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no",
			"--dir", s.dir, "--daemonize", "no", "--loglevel", "warning",
			"--repl-diskless-sync-delay", "0"}, s.args...)...)
	}
	cmd.Dir = s.dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %s exited at start: %s", port, out.String())
		default:
		}
		if ping(s.Addr) == nil {
			s.cmd, s.done, s.out = cmd, done, out
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %s did not answer PING within 10s: %s", port, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends an inline PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// tail is the last n bytes of the server's output.
func (s *Server) tail(n int) string {
	s.mu.Lock()
	out := s.out
	s.mu.Unlock()
	if out == nil {
		return ""
	}
	all := out.String()
	return all[max(0, len(all)-n):]
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
