package pending_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/pendingtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	pendingtest.Run(t, func(*testing.T) pending.Store { return pending.NewMemory() })
}
