// Package postgres is memepipe's PostgreSQL store, for teams that run more
// than one memepipe process or want the data in their warehouse database.
// It uses pgx's pool directly; database/sql appears only to hand goose a
// connection for migrations.
//
// Each concern's SQL lives in its own file (runs.go, watermarks.go, ...) and
// its tables in its own migration under migrations/, numbered by concern as
// store.go describes. Tables are created in the connection's current schema
// (the first existing one on search_path), so one database can hold several
// memepipe installations, or tests, side by side.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"memepipe/store"
	"memepipe/store/internal/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// where names the database in errors, without the password.
	where string

	directMu   sync.Mutex
	directSkip map[string]int // flushes left before canonical COPY goes direct again, by table
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user@host:port/db?...)
// and applies pending migrations. Two processes opening one database at
// once take turns on the migrations (see migrateUp). pgxpool's URL
// parameters apply: pool_max_conns (default: 4 or the number of CPUs,
// whichever is larger), and search_path to put the tables in a schema.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors already hide the password.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{where: fmt.Sprintf("postgres %s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.where, err)
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("%s: %w", s.where, err)
	}
	if err := s.migrateUp(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("%s: %w", s.where, err)
	}
	return s, nil
}

// migrateUp applies pending migrations while holding a session-level
// advisory lock, so concurrent Opens serialize: the first applies, the rest
// find nothing pending. Advisory locks are database-wide, so the lock id is
// derived from the schema the tables go to: processes sharing a schema wait
// for each other, while installations (and tests) in other schemas of the
// same database do not.
func (s *Store) migrateUp(ctx context.Context) error {
	var schema *string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	if schema == nil {
		return errors.New("no schema on search_path exists to create memepipe's tables in")
	}
	h := fnv.New64a()
	h.Write([]byte("memepipe migrations " + *schema))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())),
		// Probe every second (the minimum) for up to 5 minutes: a peer's
		// migrations take milliseconds, unless one rewrites a big table.
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close() // leaves the pool open
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return migrate.Up(ctx, goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
}

// Dialect is "postgres".
func (s *Store) Dialect() string { return "postgres" }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("%s: %w", s.where, err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// SQLSTATE codes we tell apart.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
