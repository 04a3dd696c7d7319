package lookup_test

import (
	"context"
	"testing"
	"time"

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
