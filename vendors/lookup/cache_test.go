package lookup_test

import (
	"context"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/lookup"
)

// Memory answers GetMany in the order asked, nil for a key never stored,
// expired or deleted.
func TestMemoryGetManyAnswersInOrderWithMissesAsNil(t *testing.T) {
	ctx := context.Background()
	m := lookup.NewMemory(0)
	m.SetMany(ctx, []lookup.Entry{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}, {Key: "d", Value: []byte("4")}}, time.Minute)
	m.SetMany(ctx, []lookup.Entry{{Key: "c", Value: []byte("3")}}, time.Millisecond)
	m.Delete(ctx, "d")
	time.Sleep(5 * time.Millisecond)
	got := m.GetMany(ctx, []string{"b", "z", "a", "c", "d", "b"})
	want := []string{"2", "", "1", "", "", "2"}
	if len(got) != len(want) {
		t.Fatalf("%d answers for 6 keys", len(got))
	}
	for i := range want {
		if (want[i] == "") != (got[i] == nil) || string(got[i]) != want[i] {
			t.Errorf("answer %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// shortCache is a broken cache: GetMany answers no values at all.
type shortCache struct{ *lookup.Memory }

func (shortCache) GetMany(context.Context, []string) [][]byte { return nil }

// A cache answering GetMany with the wrong number of values is all
// misses: every ID gets the vendor's answer, none an empty one.
func TestACacheAnsweringTooFewValuesIsAllMisses(t *testing.T) {
	w := newWorld(t, "", lookup.Config{Cache: shortCache{lookup.NewMemory(0)}})
	got := w.reader.CoralogixIncidents(context.Background(), []string{"cx-3001", "cx-9001"})
	if got[0].Presence != vendors.Found || got[0].ID != "cx-3001" || got[1].Presence != vendors.NotFound || got[1].ID != "cx-9001" {
		t.Fatalf("answers = %+v", got)
	}
	if n := len(w.srv.Requests()); n != 1 {
		t.Fatalf("Coralogix was asked %d times, want once", n)
	}
}
