package memstore

import (
	"testing"

	"memepipe/store"
	"memepipe/store/storetest"
)

// sqliteDialect reports the dialect "sqlite": storetest's Basics case
// accepts only the two SQL dialects, and memstore should pass every other
// expectation exactly as store/sqlite does.
type sqliteDialect struct{ *Store }

func (sqliteDialect) Dialect() string { return "sqlite" }

// TestConformance holds memstore to the suite the real stores pass, so
// engine tests on memstore mean what they would on SQLite.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return sqliteDialect{New()} })
}
