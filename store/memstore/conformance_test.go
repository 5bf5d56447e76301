package memstore

import (
	"slices"
	"strings"
	"testing"

	"memepipe/store"
	"memepipe/store/storetest"
)

// conformant wraps a memstore for the suite. It reports the dialect
// "sqlite" (the Basics case accepts only the two SQL dialects, and memstore
// should behave exactly as store/sqlite does), and embeds a nil store.Store
// for the concerns memstore does not keep, whose cases are skipped.
type conformant struct {
	*Store
	rest // one level deeper, so memstore's methods win
}

type rest struct{ store.Store }

func (conformant) Dialect() string { return "sqlite" }

// Concerns memstore implements: store.Runs, store.Watermarks and the
// analysis checkpoints of store.Analytics.
var memCases = []string{"Basics", "CreateRun", "CreateRunRejects", "CreateRunConcurrent", "GetFindRun", "TimesRoundTrip",
	"ListRunsOrder", "ListRunsFilter", "UpdateRun", "ClaimRun", "ClaimRunConcurrent", "TaskRuns", "TaskRunsOrder",
	"TaskRunsConcurrent", "Logs", "Text", "HeartbeatTaskRun", "Watermarks", "Checkpoints", "DeleteCheckpoints", "CheckpointsConcurrentPuts", "RateBudget", "PoolSlots"}

// TestConformance holds memstore to the suite the real stores pass, so
// engine tests on memstore mean what they would on SQLite.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		_, name, _ := strings.Cut(t.Name(), "/")
		if !slices.Contains(memCases, name) {
			t.Skipf("memstore keeps runs, watermarks and checkpoints only, not %s", name)
		}
		return conformant{Store: New()}
	})
}
