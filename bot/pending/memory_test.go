package pending_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/pendingtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	pendingtest.Run(t, func(*testing.T) pending.Store { return pending.NewMemory() })
}

func TestMemorySharedConformance(t *testing.T) {
	pendingtest.RunShared(t, func(*testing.T) (pending.OnceSet, pending.Leases) {
		m := pending.NewMemoryShared(nil)
		return m, m
	})
}

func TestMemoryValuesAndRunsConformance(t *testing.T) {
	pendingtest.RunValues(t, func(*testing.T) pending.Values { return pending.NewMemoryRuns(nil) })
	pendingtest.RunRuns(t, func(*testing.T) pending.Runs { return pending.NewMemoryRuns(nil) })
}

func TestMemoryReplayCheckerConformance(t *testing.T) {
	pendingtest.RunReplays(t, func(*testing.T) pendingtest.Replays { return memoryReplays() })
}

// memoryReplays is a memory store checking its replay keys in a memory
// OnceSet, as cmd/incidentbot wires them.
func memoryReplays() pendingtest.Replays {
	once := pending.NewMemoryShared(nil)
	return struct {
		*pending.Memory
		*pending.MemoryShared
	}{pending.NewMemory().CheckReplaysIn(once), once}
}
