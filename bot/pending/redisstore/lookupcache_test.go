package redisstore_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// sandboxSecMaster is the real SecMaster client over a sandbox, counting
// the IDs it is asked about.
func sandboxSecMaster(t *testing.T) (*secmaster.Client, *countingReader) {
	t.Helper()
	sb := sandbox.New()
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sm, err := secmaster.New(secmaster.Config{WorkspaceID: "w", BatchSize: 100, Settings: huaweicloud.Settings{
		AccessKey: "ak", SecretKey: "sk", ProjectID: "p", Endpoint: url, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return sm, &countingReader{SecMasterReader: sm}
}

// Two replicas' readers share one Redis cache: an answer one of them read
// spares the other a vendor call, and one replica's Invalidate after a
// write drops it for both.
func TestLookupCacheIsSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
	sm, reads := sandboxSecMaster(t)
	p := prefix()
	a := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(client(t, srv), p)})
	b := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(client(t, srv), p)})
	ctx := context.Background()

	if l := a.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.Found || l.Item.Status != "Open" {
		t.Fatalf("replica a: %+v", l)
	}
	if l := b.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.Found || reads.calls() != 1 {
		t.Fatalf("replica b: %+v after %d vendor reads, want the cached answer", l, reads.calls())
	}
	if _, err := sm.DeleteIncidents(ctx, []string{"inc-1003"}); err != nil {
		t.Fatal(err)
	}
	b.Invalidate(ctx, "inc-1003")
	if l := a.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.NotFound || reads.calls() != 2 {
		t.Fatalf("replica a after b's invalidate: %+v (%d vendor reads)", l, reads.calls())
	}
}

// fiftyIDs are a confirmation's 50 targets: the sandbox's five incidents
// and 45 it does not have.
func fiftyIDs() []string {
	ids := append([]string(nil), sandbox.DemoIncidents...)
	for i := len(ids); i < 50; i++ {
		ids = append(ids, fmt.Sprintf("inc-%d", 9000+i))
	}
	return ids
}

// sent records the commands of each round trip by name, leaving out a
// new connection's handshake (HELLO, CLIENT SETINFO), which is the
// client's, not the cache's.
type sent struct {
	mu    sync.Mutex
	trips [][]string
}

func (h *sent) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *sent) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.add([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}
func (h *sent) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.add(cmds)
		return next(ctx, cmds)
	}
}
func (h *sent) add(cmds []redis.Cmder) {
	var trip []string
	for _, c := range cmds {
		if n := c.Name(); n != "hello" && n != "client" && n != "auth" && n != "select" {
			trip = append(trip, n)
		}
	}
	if trip == nil {
		return
	}
	h.mu.Lock()
	h.trips = append(h.trips, trip)
	h.mu.Unlock()
}

// take returns the round trips recorded so far and forgets them.
func (h *sent) take() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.trips
	h.trips = nil
	return t
}

// same is n copies of name: one round trip of n like commands.
func same(name string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = name
	}
	return out
}

// A confirmation's look-up of 50 IDs reads the cache in one round trip
// (50 GETs) and writes the vendor's answers in one (50 SETs); the next
// look-up of them is that one read, and SecMaster is not asked again.
func TestALookupOf50IDsIsOneRoundTripToReadAndOneToWrite(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	h := &sent{}
	c.AddHook(h)
	_, reads := sandboxSecMaster(t)
	r := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(c, prefix())})
	ids := fiftyIDs()

	first := r.SecMasterIncidents(ctx, ids)
	if got, want := h.take(), [][]string{same("get", 50), same("set", 50)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("a look-up of 50 uncached IDs made the round trips %v, want one of 50 GETs and one of 50 SETs", got)
	}
	second := r.SecMasterIncidents(ctx, ids)
	if got, want := h.take(), [][]string{same("get", 50)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("a look-up of 50 cached IDs made the round trips %v, want one of 50 GETs", got)
	}
	if reads.calls() != 1 {
		t.Fatalf("SecMaster was asked %d times, want once", reads.calls())
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("the cached answers differ from SecMaster's:\n%+v\n%+v", second, first)
	}
	for i, l := range second {
		want := vendors.NotFound
		if i < len(sandbox.DemoIncidents) {
			want = vendors.Found
		}
		if l.ID != ids[i] || l.Presence != want {
			t.Fatalf("answer %d = %s %v, want %s %v", i, l.ID, l.Presence, ids[i], want)
		}
	}
}

// With some IDs cached and others not, in any order and repeated, each
// answer is the one for its ID, in the order asked; SecMaster is asked
// only about the misses, once each. A cached value that is not an answer
// (garbage in Redis) is a miss.
func TestCachedAndUncachedIDsAnswerInTheOrderAsked(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	_, reads := sandboxSecMaster(t)
	p := prefix()
	r := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(c, p)})
	r.SecMasterIncidents(ctx, []string{"inc-1002", "inc-9001", "inc-1004"})
	var garbled []string
	for _, k := range c.Keys(ctx, p+":*inc-1004").Val() {
		garbled = append(garbled, k)
		c.Set(ctx, k, "{not json", time.Minute)
	}
	if len(garbled) != 1 {
		t.Fatalf("the cache holds %v for inc-1004, want one key", garbled)
	}
	reads.reset()

	ids := []string{"inc-9002", "inc-1002", "inc-1005", "inc-9001", "inc-1004", "inc-1001", "inc-1002", "inc-9002"}
	got := r.SecMasterIncidents(ctx, ids)
	if asked := reads.asked(); !reflect.DeepEqual(asked, []string{"inc-9002", "inc-1005", "inc-1004", "inc-1001"}) {
		t.Fatalf("SecMaster was asked about %v, want the misses inc-9002 inc-1005 inc-1004 inc-1001", asked)
	}
	title := map[string]string{"inc-1001": "Brute-force logins against bastion-eu-1", "inc-1002": "Bulk export from db-reporting-2 outside business hours",
		"inc-1004": "Port scan from 203.0.113.7 (stale)", "inc-1005": "Malware beacon from db-backup-1"}
	for i, l := range got {
		want, found := title[ids[i]]
		if l.ID != ids[i] || (l.Presence == vendors.Found) != found || l.Item.Title != want || (!found && l.Presence != vendors.NotFound) {
			t.Errorf("answer %d = %s %v %q, want %s found=%v %q", i, l.ID, l.Presence, l.Item.Title, ids[i], found, want)
		}
	}
}

// A Redis that is gone is a miss: the reader asks the vendor.
func TestLookupCacheWithRedisDownAsksTheVendor(t *testing.T) {
	srv := redistest.Start(t)
	c := redisstore.NewLookupCache(client(t, srv), prefix())
	srv.Stop()
	ctx := context.Background()
	c.SetMany(ctx, []lookup.Entry{{Key: "k", Value: []byte("v")}}, time.Minute)
	if got := c.GetMany(ctx, []string{"k", "j"}); len(got) != 2 || got[0] != nil || got[1] != nil {
		t.Fatalf("a stopped Redis answered GetMany with %q", got)
	}
	c.Delete(ctx, "k") // returns, though nothing answers

	_, reads := sandboxSecMaster(t)
	r := lookup.New(lookup.Config{SecMaster: reads, Cache: c})
	if l := r.SecMasterIncidents(ctx, []string{"inc-1001", "inc-9001"}); l[0].Presence != vendors.Found || l[1].Presence != vendors.NotFound {
		t.Fatalf("with Redis down: %+v, want SecMaster's answers", l)
	}
	if reads.calls() != 1 {
		t.Fatalf("SecMaster was asked %d times, want once", reads.calls())
	}
}

// A frozen Redis (SIGSTOP: connections open, nothing answers) is a miss
// too, and a bounded one: the look-up of 50 cached IDs asks SecMaster
// about all 50 and answers within the look-ups' 2 seconds, though the
// client here would wait 5 s for each reply: the cache stops waiting at
// its own bound (300 ms to read, 300 ms to write), not per ID nor at the
// client's timeouts. Once Redis answers again the cache serves again.
func TestPausedRedisIsABoundedMissAndTheVendorIsAsked(t *testing.T) {
	srv := redistest.Start(t)
	_, reads := sandboxSecMaster(t)
	c := open(t, srv.URL()+"?read_timeout=5s&write_timeout=5s")
	r := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(c, prefix())})
	ids := fiftyIDs()
	r.SecMasterIncidents(ctx, ids) // all 50 cached
	reads.reset()

	srv.Pause()
	defer srv.Resume()
	start := time.Now()
	got := r.SecMasterIncidents(ctx, ids)
	took := time.Since(start)
	srv.Resume()
	if asked := reads.asked(); !reflect.DeepEqual(asked, ids) {
		t.Fatalf("with Redis paused SecMaster was asked about %d IDs, want all 50", len(asked))
	}
	if got[0].Presence != vendors.Found || got[0].Item.ID != ids[0] || got[49].Presence != vendors.NotFound {
		t.Fatalf("with Redis paused: %+v ... %+v", got[0], got[49])
	}
	if took >= lookup.DefaultDeadline {
		t.Fatalf("a look-up with Redis paused took %v, past the look-ups' %v", took, lookup.DefaultDeadline)
	}

	// The calls sent while paused end first; then the answers cached
	// before (or rewritten by the look-up above) are served again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		reads.reset()
		r.SecMasterIncidents(ctx, ids)
		if reads.calls() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache did not serve again within 15s of Redis resuming")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On a Cluster the 50 keys spread over the three nodes' slots: one call
// still reads and writes them all, a pipeline per node, and each value
// comes back under its own key.
func TestLookupCacheOnACluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	c := open(t, cl.URL())
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("the URL %s made a %T, want a cluster client", cl.URL(), c)
	}
	h := &sent{}
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(h) })
	lc := redisstore.NewLookupCache(c, prefix())
	keys := fiftyIDs()
	entries := make([]lookup.Entry, len(keys))
	for i, k := range keys {
		entries[i] = lookup.Entry{Key: k, Value: []byte("answer about " + k)}
	}
	if err := cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		t.Fatal(err) // the slot map, loaded before the calls counted
	}
	h.take()

	lc.SetMany(ctx, entries[:40], time.Minute)
	if trips := h.take(); len(trips) != 3 || !allOf(trips, "set", 40) {
		t.Fatalf("SetMany of 40 keys on a 3-node Cluster made the round trips %v, want one per node", trips)
	}
	got := lc.GetMany(ctx, keys)
	if trips := h.take(); len(trips) != 3 || !allOf(trips, "get", 50) {
		t.Fatalf("GetMany of 50 keys on a 3-node Cluster made the round trips %v, want one per node", trips)
	}
	for i, k := range keys {
		if want := "answer about " + k; i < 40 && string(got[i]) != want {
			t.Errorf("%s = %q, want %q", k, got[i], want)
		} else if i >= 40 && got[i] != nil {
			t.Errorf("%s (never stored) = %q, want a miss", k, got[i])
		}
	}
	lc.Delete(ctx, keys...)
	if got := lc.GetMany(ctx, keys[:3]); got[0] != nil || got[1] != nil || got[2] != nil {
		t.Fatalf("after Delete: %q", got)
	}
}

// allOf says whether trips hold n commands in all, every one name.
func allOf(trips [][]string, name string, n int) bool {
	all := 0
	for _, t := range trips {
		for _, c := range t {
			if c != name {
				return false
			}
			all++
		}
	}
	return all == n
}

type countingReader struct {
	vendors.SecMasterReader
	mu  sync.Mutex
	n   int
	ids []string
}

func (c *countingReader) Incidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	c.mu.Lock()
	c.n++
	c.ids = append(c.ids, ids...)
	c.mu.Unlock()
	return c.SecMasterReader.Incidents(ctx, ids)
}

func (c *countingReader) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *countingReader) asked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

func (c *countingReader) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.ids = 0, nil
}
