package slack_test

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Anyone can open connections to the webhook URL, before any signature is
// checked. A body whose length is announced but whose bytes never come
// must not cost the announced length: 200 such requests announcing 512 KiB
// each would hold 100 MiB (a pod's limit is 256 MiB) until the server's
// read timeout.
func TestAnnouncedButUnsentBodiesHoldNoMemory(t *testing.T) {
	f := newFixture(t)
	addr := strings.TrimPrefix(f.server.URL, "http://")
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const conns = 200
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nt", 512<<10)
	}
	time.Sleep(500 * time.Millisecond) // the handlers start reading the bodies
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Fatalf("%d requests that sent 1 byte of their body hold %d MiB", conns, grown>>20)
	}
}
