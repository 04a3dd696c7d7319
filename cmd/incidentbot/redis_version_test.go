package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// startOldRedis serves enough of the Redis protocol (RESP2) to pass for
// Redis 6.2: it refuses HELLO as Redis 5 and 6 without RESP3 may, answers
// PING, and gives INFO server with redis_version:6.2.14. Every command it
// gets is recorded.
func startOldRedis(t *testing.T) (addr string, got func() []string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cmds := make(chan string, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveOldRedis(c, cmds)
		}
	}()
	return l.Addr().String(), func() []string {
		var out []string
		for {
			select {
			case c := <-cmds:
				out = append(out, c)
			default:
				return out
			}
		}
	}
}

func serveOldRedis(c net.Conn, cmds chan<- string) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		name := strings.ToUpper(args[0])
		select {
		case cmds <- strings.Join(args, " "):
		default:
		}
		switch name {
		case "PING":
			io.WriteString(c, "+PONG\r\n")
		case "INFO":
			body := "# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n"
			fmt.Fprintf(c, "$%d\r\n%s\r\n", len(body), body)
		case "SET": // Redis 6.2 refuses NX with GET
			io.WriteString(c, "-ERR syntax error\r\n")
		case "CLIENT", "SELECT":
			io.WriteString(c, "+OK\r\n")
		default:
			fmt.Fprintf(c, "-ERR unknown command '%s'\r\n", args[0])
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("not a command: %q", line)
	}
	args := make([]string, n)
	for i := range args {
		head, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// TestTheBotRefusesToStartOnRedisOlderThanSeven: on Redis 6 every replay
// check would fail and each command would be served unchecked, so the
// bot does not start, and says which version it found and which it needs.
func TestTheBotRefusesToStartOnRedisOlderThanSeven(t *testing.T) {
	addr, got := startOldRedis(t)
	code, _, stderr := runBot(t, map[string]string{"INCIDENTBOT_REDIS_URL": "redis://" + addr + "/0"}, "help\n")
	if code != 2 {
		t.Errorf("exit status %d, want 2 (a configuration problem)", code)
	}
	for _, want := range []string{"INCIDENTBOT_REDIS_URL", "Redis 6.2.14", "needs Redis 7.0 or later"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the message does not say %q:\n%s", want, stderr)
		}
	}
	if cmds := strings.Join(got(), "\n"); !strings.Contains(strings.ToUpper(cmds), "INFO SERVER") {
		t.Errorf("the fake Redis was never asked INFO server, so the test proves nothing; it got:\n%s", cmds)
	}
}
