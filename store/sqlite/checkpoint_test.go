package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/store"
)

func autocheckpoint(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.w.QueryRowContext(context.Background(), "PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A canonical batch leaves its checkpoint to the checkpointer: the pages
// it wrote reach the database file with no other write and no commit on
// the writer, and the writer connection gets its automatic checkpoints
// back after a commit and after a rollback.
func TestCanonicalCheckpointInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	rows := make([]canonical.Row, 20000)
	for i := range rows {
		rows[i] = canonical.Tweet{TweetID: fmt.Sprint(1_000_000 + i), Token: "ethereum:0xabc", Text: fmt.Sprintf("post %d with some words", i),
			CreatedAt: time.Date(2026, 1, 1, 0, 0, i%3600, 0, time.UTC)}
	}
	if err := store.UpsertCanonical(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	if n := autocheckpoint(t, s); n != walAutocheckpoint {
		t.Errorf("after a commit, wal_autocheckpoint = %d, want %d", n, walAutocheckpoint)
	}
	for deadline := time.Now().Add(30 * time.Second); size() < before+1<<20; {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (was %d): the batch was not checkpointed", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}

	w, err := s.BeginCanonical(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := autocheckpoint(t, s); n != walAutocheckpoint {
		t.Errorf("after a rollback, wal_autocheckpoint = %d, want %d", n, walAutocheckpoint)
	}
}
