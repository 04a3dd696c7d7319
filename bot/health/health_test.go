package health_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/health"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func serve(t *testing.T, c *health.Checker) string {
	mux := http.NewServeMux()
	c.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestReadyzNamesTheFailingProbe(t *testing.T) {
	c := health.New()
	chat := health.NewFlag("discord gateway is not connected")
	c.Add("config", func(context.Context) error { return nil })
	c.Add("discord", chat.Check)
	url := serve(t, c)

	if status, body := get(t, url+"/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", status, body)
	}
	if status, body := get(t, url+"/readyz"); status != 503 || !strings.Contains(body, "discord: discord gateway is not connected") || strings.Contains(body, "config") {
		t.Errorf("/readyz before connecting = %d %q", status, body)
	}
	if err := health.Probe(context.Background(), url+"/readyz"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("Probe = %v, want a 503", err)
	}
	chat.Set(true, "")
	if status, body := get(t, url+"/readyz"); status != 200 || body != "ready\n" {
		t.Errorf("/readyz connected = %d %q", status, body)
	}
	if err := health.Probe(context.Background(), url+"/readyz"); err != nil {
		t.Errorf("Probe = %v", err)
	}
}

// The shared store's probe: ready while Redis answers, not ready when it
// goes away, ready again when it is back.
func TestReadyzFollowsTheSharedStore(t *testing.T) {
	srv := redistest.Start(t)
	client, err := redisstore.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	store := redisstore.New(client, "readyz-test")
	c := health.New()
	c.Add("store", store.Ping)
	url := serve(t, c)

	if status, body := get(t, url+"/readyz"); status != 200 {
		t.Fatalf("/readyz with Redis up = %d %q", status, body)
	}
	srv.Stop()
	status, body := get(t, url+"/readyz")
	if status != 503 || !strings.HasPrefix(body, "not ready:\n  store: redis:") {
		t.Fatalf("/readyz with Redis gone = %d %q", status, body)
	}
	t.Logf("Redis stopped: %d %s", status, body)
	srv.Restart()
	if status, body := get(t, url+"/readyz"); status != 200 {
		t.Fatalf("/readyz with Redis back = %d %q", status, body)
	}
}

func TestProbeReportsAnUnreachableBot(t *testing.T) {
	err := health.Probe(context.Background(), "http://127.0.0.1:1/readyz")
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("Probe = %v", err)
	}
}
