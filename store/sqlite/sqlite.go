// Package sqlite is memepipe's default store: one SQLite file, through the
// pure-Go modernc.org/sqlite driver (no cgo, so the binary cross-compiles).
//
// Each concern's SQL lives in its own file (runs.go, watermarks.go, ...) and
// its tables in its own migration under migrations/, numbered by concern as
// store.go describes. A new concern copies that shape: a migration, a file
// of methods on *Store, and the storetest cases that hold both dialects to
// the same behaviour.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"memepipe/store"
	"memepipe/store/internal/migrate"
)

// DefaultPath is the database memepipe uses when given none.
const DefaultPath = "memepipe.db"

// busyTimeout is how long a statement waits for another process's write
// lock before failing with SQLITE_BUSY. Writes here are short (a row or
// two), so waiting seconds means something is badly wrong.
const busyTimeout = 10 * time.Second

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on one SQLite file.
//
// SQLite allows one writer at a time per file. Rather than let goroutines
// (the engine updates task runs from many at once) contend for the file's
// write lock and see SQLITE_BUSY, all writes go through one connection,
// w, so they queue in database/sql's pool instead, in order, without
// sleeping and retrying. Reads go through a separate pool, r, of
// read-only connections: in WAL mode readers never block the writer or
// each other, so a slow UI query never holds up the engine. busy_timeout
// still matters for the other process sharing the file (memepipe serve and
// memepipe run at once): its writer and ours wait for each other.
//
// A third connection, ckpt, writes no rows: it copies the WAL into the
// database file after batches of canonical rows (checkpoint.go), so the
// writer does not stop for it.
//
// w begins transactions with BEGIN IMMEDIATE, taking the write lock at the
// start: a deferred transaction that reads then writes can fail with
// SQLITE_BUSY at once, without waiting, when another process wrote in
// between.
type Store struct {
	path string
	w    *sql.DB
	r    *sql.DB
	ckpt *checkpointer // the canonical writer's checkpoints
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, "" meaning
// DefaultPath, and applies pending migrations. The parent directory is
// created if missing.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		// Each connection would get its own empty database: the reader pool
		// would never see the writer's rows.
		return nil, fmt.Errorf("sqlite %s: in-memory databases are not supported, use a file (in tests, one in t.TempDir())", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
	}
	s := &Store{path: path}
	var err error
	s.w, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	s.r, err = sql.Open("sqlite", dsn(path, true))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	if s.ckpt, err = newCheckpointer(path); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return s, nil
}

// dsn is the driver's connection string for path: a file: URI (so odd
// characters in the path are escaped, not parsed as options) with the
// pragmas every connection needs.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// NORMAL is durable across application crashes in WAL mode; only a power
	// loss may lose the last commits, never corrupt the file.
	q.Add("_pragma", "synchronous(NORMAL)")
	// 32 MiB of page cache per connection (SQLite's default is 2 MiB): the
	// UI's run counts and grids then read from memory once warm.
	q.Add("_pragma", "cache_size(-32768)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)") // persistent in the file
		q.Set("_txlock", "immediate")
		// Savepoint journals in memory: on disk they spill to a temporary
		// file after 64 KiB, a write system call per page. One holds the
		// original of each page changed under the savepoint: bounded by
		// a batch of canonical rows (store.ObjectBatch).
		q.Add("_pragma", "temp_store(MEMORY)")
		// The one writer connection's page cache is 64 MiB rather than
		// the readers' 32 (this pragma runs after the one above): a batch
		// of canonical upserts touches pages all over the tables' indexes,
		// and when they do not fit the cache, SQLite writes dirty pages to
		// the WAL in the middle of the transaction and again at commit.
		// Allocated as used, not up front.
		q.Add("_pragma", "cache_size(-65536)")
	}
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return "file:" + p + "?" + q.Encode()
}

// migrate applies pending migrations. SQLite has no advisory lock, and two
// processes opening one fresh file at the same moment may both try to apply
// a migration: the loser's transaction fails ("table runs already exists")
// and rolls back. So on failure, look again: if nothing is pending any more,
// the other process did the work.
func (s *Store) migrate(ctx context.Context) error {
	var err error
	for try := 0; try < 5; try++ {
		if err = migrate.Up(ctx, goose.DialectSQLite3, s.w, mustSub(migrations, "migrations")); err == nil {
			return nil
		}
		pending, perr := migrate.Pending(ctx, goose.DialectSQLite3, s.w, mustSub(migrations, "migrations"))
		if perr == nil && !pending {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(50*(try+1)) * time.Millisecond):
		}
	}
	return err
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the embed pattern guarantees dir exists
	}
	return sub
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Dialect is "sqlite".
func (s *Store) Dialect() string { return "sqlite" }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite %s: %w", s.path, err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUniqueViolation(err error) bool {
	var se *sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3lib.SQLITE_CONSTRAINT_UNIQUE:
		return true
	}
	return false
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY violation.
func isForeignKeyViolation(err error) bool {
	var se *sqlite3.Error
	return errors.As(err, &se) && se.Code() == sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY
}
