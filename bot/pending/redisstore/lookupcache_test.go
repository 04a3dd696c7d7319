package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// Two replicas' readers share one Redis cache: an answer one of them read
// spares the other a vendor call, and one replica's Invalidate after a
// write drops it for both.
func TestLookupCacheIsSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
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
	p := prefix()
	reads := &countingReader{SecMasterReader: sm}
	a := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(client(t, srv), p)})
	b := lookup.New(lookup.Config{SecMaster: reads, Cache: redisstore.NewLookupCache(client(t, srv), p)})
	ctx := context.Background()

	if l := a.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.Found || l.Item.Status != "Open" {
		t.Fatalf("replica a: %+v", l)
	}
	if l := b.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.Found || reads.n != 1 {
		t.Fatalf("replica b: %+v after %d vendor reads, want the cached answer", l, reads.n)
	}
	if _, err := sm.DeleteIncidents(ctx, []string{"inc-1003"}); err != nil {
		t.Fatal(err)
	}
	b.Invalidate(ctx, "inc-1003")
	if l := a.SecMasterIncidents(ctx, []string{"inc-1003"})[0]; l.Presence != vendors.NotFound || reads.n != 2 {
		t.Fatalf("replica a after b's invalidate: %+v (%d vendor reads)", l, reads.n)
	}
}

// A Redis that is gone is a miss: the reader asks the vendor.
func TestLookupCacheWithRedisDownAsksTheVendor(t *testing.T) {
	srv := redistest.Start(t)
	c := redisstore.NewLookupCache(client(t, srv), prefix())
	srv.Stop()
	ctx := context.Background()
	c.Set(ctx, "k", []byte("v"), time.Minute)
	if _, ok := c.Get(ctx, "k"); ok {
		t.Fatal("a stopped Redis answered a Get")
	}
	c.Delete(ctx, "k") // returns, though nothing answers
}

type countingReader struct {
	vendors.SecMasterReader
	n int
}

func (c *countingReader) Incidents(ctx context.Context, ids []string) []vendors.Lookup[vendors.Incident] {
	c.n++
	return c.SecMasterReader.Incidents(ctx, ids)
}
