// Package migrate applies a dialect's embedded migrations with goose.
//
// Migration numbers are assigned per concern (00001-00009 runs and
// watermarks, 00010-00019 canonical tables, ...), so a database may have
// 00011 applied before 00003 exists: out-of-order application is allowed.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// Up applies every pending migration in fsys (a directory of NNNNN_name.sql
// files) to db. opts add dialect specifics such as a session locker.
func Up(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) error {
	opts = append([]goose.ProviderOption{
		goose.WithAllowOutofOrder(true),
		// Only our embedded files, never Go migrations some other package
		// registered globally.
		goose.WithDisableGlobalRegistry(true),
		// goose logs to stdout by default, which would corrupt the CLI's
		// --json output; we log what was applied ourselves.
		goose.WithLogger(goose.NopLogger()),
	}, opts...)
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	for _, r := range results {
		slog.DebugContext(ctx, "store: applied migration", "dialect", string(dialect), "migration", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Pending reports whether some migration in fsys is not applied to db.
func Pending(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS) (bool, error) {
	p, err := goose.NewProvider(dialect, db, fsys,
		goose.WithAllowOutofOrder(true),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return false, fmt.Errorf("migrations: %w", err)
	}
	return p.HasPending(ctx)
}
