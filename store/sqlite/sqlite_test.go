package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/sqlite"
	"memepipe/store/storetest"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "memepipe.db"))
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, open(b, filepath.Join(b.TempDir(), "memepipe.db")))
}

func BenchmarkCanonical(b *testing.B) {
	storetest.BenchCanonical(b, open(b, filepath.Join(b.TempDir(), "memepipe.db")))
}

// Two processes on one fresh file (memepipe serve and memepipe run started
// together) both migrate it; neither may fail.
func TestConcurrentOpenMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub dir", "odd?name#1.db")
	const openers = 4
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sqlite.Open(context.Background(), path)
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
	s := open(t, path)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	if _, _, err := s.CreateRun(context.Background(), pipeline.Run{Pipeline: "p", Interval: pipeline.Truncate(time.Now(), time.Hour)}); err != nil {
		t.Fatalf("store on a concurrently migrated file: %v", err)
	}
}

// Two stores on one file stand for two processes: each has its own single
// writer, so they contend for SQLite's file lock; busy_timeout must make
// them wait for each other, not fail.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memepipe.db")
	a, b := open(t, path), open(t, path)
	ctx := context.Background()
	r, _, err := a.CreateRun(ctx, pipeline.Run{Pipeline: "p", Interval: pipeline.Truncate(time.Now(), time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i, s := range []*sqlite.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := pipeline.TaskRun{RunID: r.ID, Task: string(rune('a' + i)), Attempt: 1, State: pipeline.Running}
			if err := s.InsertTaskRun(ctx, tr); err != nil {
				errs <- err
				return
			}
			for n := range 25 {
				tr.RecordsOut = int64(n)
				if err := s.UpdateTaskRun(ctx, tr); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write from a second store on the same file: %v", err)
	}
	// Each sees the other's writes.
	trs, err := b.ListTaskRuns(ctx, r.ID)
	if err != nil || len(trs) != 4 {
		t.Fatalf("ListTaskRuns via the other store = %d, %v; want 4", len(trs), err)
	}
	for _, tr := range trs {
		if tr.RecordsOut != 24 {
			t.Errorf("task %s records_out = %d, want 24", tr.Task, tr.RecordsOut)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	s := open(t, "")
	if s.Path() != "memepipe.db" || s.Dialect() != "sqlite" {
		t.Errorf("Open(\"\") = %s %s, want sqlite memepipe.db", s.Dialect(), s.Path())
	}
}

func TestInMemoryRefused(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ":memory:"); err == nil {
		t.Fatal("Open(:memory:): no error")
	}
}

func BenchmarkObjects(b *testing.B) {
	storetest.BenchObjects(b, open(b, filepath.Join(b.TempDir(), "memepipe.db")))
}

// A process killed (SIGKILL) in the middle of a batch of objects leaves
// the batches it committed, whole, and nothing of the one it was writing;
// the file is not left locked.
func TestCrashMidBatch(t *testing.T) {
	openStore := func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, dsn) }
	if storetest.CrashChild(openStore) {
		return
	}
	storetest.CrashMidBatch(t, filepath.Join(t.TempDir(), "memepipe.db"), openStore)
}
