package redistest

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of three primaries (no replicas), each a
// process on a free loopback port, stopped when the test ends.
type Cluster struct {
	Nodes [3]*Server
}

// StartCluster starts three cluster-enabled servers, gives each a third of
// the 16384 slots, introduces them (CLUSTER MEET) and waits until every
// node says the cluster is ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := lookPath(t, "redis-server", InstallHint)
	var c Cluster
	for i := range c.Nodes {
		c.Nodes[i] = startWith(t, &Server{bin: bin, args: []string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, port, _ := net.SplitHostPort(c.Nodes[0].Addr)
	for i, n := range c.Nodes {
		cl := redis.NewClient(&redis.Options{Addr: n.Addr})
		lo, hi := i*16384/3, (i+1)*16384/3-1
		if err := cl.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("redistest: CLUSTER ADDSLOTSRANGE on %s: %v", n.Addr, err)
		}
		if i > 0 {
			if err := cl.ClusterMeet(ctx, first, port).Err(); err != nil {
				t.Fatalf("redistest: CLUSTER MEET from %s: %v", n.Addr, err)
			}
		}
		_ = cl.Close()
	}
	for {
		ok := true
		for _, n := range c.Nodes {
			cl := redis.NewClient(&redis.Options{Addr: n.Addr})
			info, err := cl.ClusterInfo(ctx).Result()
			_ = cl.Close()
			ok = ok && err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		}
		if ok {
			return &c
		}
		select {
		case <-ctx.Done():
			t.Fatal("redistest: the cluster did not become ok within 30s")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URL is the bot's Cluster URL: one node in the host, the others as addr=.
func (c *Cluster) URL(extra ...string) string {
	u := "redis://" + c.Nodes[0].Addr + "/0?addr=" + c.Nodes[1].Addr + "&addr=" + c.Nodes[2].Addr
	for _, e := range extra {
		u += "&" + e
	}
	return u
}
