package redisstore_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// TestPingOnACluster: on a Cluster INFO and the probe reach one node; a 7.0 cluster is ready.
func TestPingOnACluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	c := open(t, cl.URL())
	s := redisstore.New(c, prefix())

	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a 7.0 cluster: %v", err)
	}
}
