package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/storetest"
)

func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, storetest.PostgresURL(t))
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, open(b, storetest.PostgresURL(b)))
}

func BenchmarkCanonical(b *testing.B) {
	storetest.BenchCanonical(b, open(b, storetest.PostgresURL(b)))
}

// Processes opening one fresh database at once take turns on the
// migrations (an advisory lock): none fails, each migration is applied once.
func TestConcurrentOpenMigrates(t *testing.T) {
	url := storetest.PostgresURL(t)
	const openers = 4
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = s.Close()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var applied, distinct int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied < 2 {
		t.Errorf("goose_db_version: %d rows for %d migrations; want each applied once, at least 2", applied, distinct)
	}
	// The tables went to the test's schema, not public.
	var schema string
	if err := conn.QueryRow(context.Background(), `SELECT schemaname FROM pg_tables WHERE tablename = 'runs' AND schemaname = current_schema()`).Scan(&schema); err != nil || !strings.HasPrefix(schema, "memepipe_test_") {
		t.Errorf("runs table in schema %q, %v; want memepipe_test_*", schema, err)
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://memepipe:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port: no error")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error does not say where: %v", err)
	}
}

func BenchmarkObjects(b *testing.B) {
	storetest.BenchObjects(b, open(b, storetest.PostgresURL(b)))
}

// A process killed (SIGKILL) in the middle of a batch of objects leaves
// the batches it committed, whole, and nothing of the one it was writing.
func TestCrashMidBatch(t *testing.T) {
	openStore := func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) }
	if storetest.CrashChild(openStore) {
		return
	}
	storetest.CrashMidBatch(t, storetest.PostgresURL(t), openStore)
}
