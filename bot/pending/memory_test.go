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
