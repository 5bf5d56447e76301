package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/store"
)

// object is n transfers of one raw object: keys of its own (tx hashes
// "0x<name>-<i>"), value i.
func object(name string, n int) []canonical.Row {
	rows := make([]canonical.Row, n)
	for i := range rows {
		r := transferRow(i, int64(i))
		r.TxHash = fmt.Sprintf("0x%s-%d", name, i)
		rows[i] = r
	}
	return rows
}

// badObject is an object whose row at bad the database refuses (a value
// that is not a decimal in a numeric column).
func badObject(name string, n, bad int) []canonical.Row {
	rows := object(name, n)
	r := rows[bad].(canonical.Transfer)
	r.ValueRaw = "12x"
	rows[bad] = r
	return rows
}

// transfersByObject counts the stored transfers per object name (the
// prefix object gives their hashes).
func transfersByObject(t *testing.T, s store.Store, names ...string) map[string]int {
	t.Helper()
	got, err := store.ListCanonical[canonical.Transfer](context.Background(), s, store.CanonicalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range got {
		name, _, _ := strings.Cut(strings.TrimPrefix(r.TxHash, "0x"), "-")
		if slices.Contains(names, name) {
			out[name]++
		}
	}
	return out
}

// Many objects in one batch: an object with a row the database refuses
// writes none of its rows, the objects before and after it in the same
// batch all land, and the batch goes on taking objects after the refusal.
// Small objects (SQLite sends rows while they are added: the refusal
// surfaces in Add) and large ones (PostgreSQL's COPY straight into the
// table, whose refusal surfaces at Commit) both.
func testCanonicalBatchBadObject(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, size := range []int{100, 2500} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			p := fmt.Sprintf("s%d", size) // object names unique per size
			b, err := store.BeginObjects(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			add := func(name string, rows []canonical.Row) {
				t.Helper()
				if err := b.Add(ctx, p+name, rows); err != nil {
					t.Fatalf("add %s: %v", name, err)
				}
			}
			add("a", object(p+"a", size))
			add("b", badObject(p+"b", 3*size, 3*size/2)) // spans the writers' send batches
			add("c", object(p+"c", size))
			add("d", badObject(p+"d", 10, 0))
			add("e", object(p+"e", size))
			failed, err := b.Commit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range failed {
				ids = append(ids, f.ID)
				if !store.IsRowError(f.Err) || !strings.Contains(f.Err.Error(), `"12x" is not a decimal`) {
					t.Errorf("object %s: error %v", f.ID, f.Err)
				}
			}
			if !slices.Equal(ids, []string{p + "b", p + "d"}) {
				t.Errorf("failed objects %v, want %sb and %sd", ids, p, p)
			}
			got := transfersByObject(t, s, p+"a", p+"b", p+"c", p+"d", p+"e")
			want := map[string]int{p + "a": size, p + "c": size, p + "e": size}
			if !equalCounts(got, want) {
				t.Errorf("rows per object %v, want %v", got, want)
			}
		})
	}
	// A batch whose rows partly exist already (a re-clean overlapping the
	// last one) upserts them: PostgreSQL's direct COPY meets a unique
	// violation and falls back to the staging table.
	b, err := store.BeginObjects(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	again := object("again", 2500) // new rows, and one of object s2500c's
	old := object("s2500c", 2500)[1234].(canonical.Transfer)
	old.ValueRaw, old.Value = "777", "777"
	if err := b.Add(ctx, "again", append(again, old)); err != nil {
		t.Fatal(err)
	}
	if failed, err := b.Commit(ctx); err != nil || len(failed) > 0 {
		t.Fatalf("overlapping batch: %v %v", failed, err)
	}
	got := transfersByObject(t, s, "again", "s2500c")
	if got["again"] != 2500 || got["s2500c"] != 2500 {
		t.Errorf("after the overlapping batch: %v", got)
	}
	rows, err := store.ListCanonical[canonical.Transfer](ctx, s, store.CanonicalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Key() == old.Key() && r.ValueRaw != "777" {
			t.Errorf("existing row not updated: %+v", r)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// A batch abandoned half-way (its context canceled, as a killed task's
// is) lands nothing; the batches committed before it stay, whole.
func testCanonicalBatchAbandoned(t *testing.T, s store.Store) {
	ctx := context.Background()
	b, err := store.BeginObjects(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1", "2", "3"} {
		if err := b.Add(ctx, n, object(n, 700)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	b, err = store.BeginObjects(cctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"4", "5"} {
		if err := b.Add(cctx, n, object(n, 700)); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	err = b.Add(cctx, "6", object("6", 700))
	if err == nil {
		_, err = b.Commit(cctx)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled batch: %v, want context.Canceled", err)
	}
	_ = b.Rollback(ctx)
	got := transfersByObject(t, s, "1", "2", "3", "4", "5", "6")
	if want := map[string]int{"1": 700, "2": 700, "3": 700}; !equalCounts(got, want) {
		t.Errorf("rows per object %v, want %v", got, want)
	}
	// The store is usable at once: the abandoned batch released its
	// connection (and SQLite's write lock).
	if err := store.UpsertCanonical(ctx, s, object("7", 1)); err != nil {
		t.Fatal(err)
	}
}

// CrashEnv names the variable that makes a test binary the child of
// CrashMidBatch.
const CrashEnv = "MEMEPIPE_STORETEST_CRASH_DSN"

// CrashMidBatch kills a process (SIGKILL) in the middle of a batch of
// objects and checks what it left in the store at dsn: the batches it
// committed, whole, and nothing of the one it was writing. The test that
// calls it must begin with CrashChild, which is what the killed process
// runs: the test binary started again with CrashEnv set.
func CrashMidBatch(t *testing.T, dsn string, open func(ctx context.Context, dsn string) (store.Store, error)) {
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), CrashEnv+"="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "crash child: ") {
				ready <- sc.Text()
				return
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok || line != "crash child: writing batch 2" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not reach batch 2: %q", line)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not start")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	s, err := open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := transfersByObject(t, s, "c1", "c2", "c3", "c4", "c5")
	if want := map[string]int{"c1": 3000, "c2": 3000}; !equalCounts(got, want) {
		t.Errorf("after the crash, rows per object %v, want %v", got, want)
	}
	// Nothing holds the database: a write goes through at once.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.UpsertCanonical(wctx, s, object("c6", 1)); err != nil {
		t.Fatalf("write after the crash: %v", err)
	}
}

// CrashChild runs CrashMidBatch's child when CrashEnv is set (and then
// never returns): it commits a batch of objects c1 and c2, sends objects
// c3 to c5 of a second batch to the database, says so on stdout and waits
// to be killed. Without CrashEnv it returns false at once.
func CrashChild(open func(ctx context.Context, dsn string) (store.Store, error)) bool {
	dsn := os.Getenv(CrashEnv)
	if dsn == "" {
		return false
	}
	ctx := context.Background()
	fail := func(err error) {
		fmt.Println("crash child: failed:", err)
		os.Exit(3)
	}
	s, err := open(ctx, dsn)
	if err != nil {
		fail(err)
	}
	b, err := store.BeginObjects(ctx, s)
	if err != nil {
		fail(err)
	}
	for _, n := range []string{"c1", "c2"} {
		if err := b.Add(ctx, n, object(n, 3000)); err != nil {
			fail(err)
		}
	}
	if _, err := b.Commit(ctx); err != nil {
		fail(err)
	}
	// The second batch's rows are sent (not only buffered) before the
	// kill: a savepoint flushes them.
	w, err := s.BeginCanonical(ctx)
	if err != nil {
		fail(err)
	}
	for _, n := range []string{"c3", "c4", "c5"} {
		if err := w.Write(ctx, object(n, 3000)...); err != nil {
			fail(err)
		}
		if err := w.Savepoint(ctx, "object"); err != nil {
			fail(err)
		}
	}
	fmt.Println("crash child: writing batch 2")
	select {}
}
