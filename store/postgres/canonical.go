package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"memepipe/canonical"
	"memepipe/store"
	"memepipe/store/internal/tables"
)

// batchRows is how many buffered rows make the writer send them (one COPY
// into the staging table per table, then one upsert from it) without
// waiting for Flush or Commit. An ObjectBatch flushes at its commit, with
// fewer rows than this, so a batch of objects is one COPY per table.
const batchRows = 50_000

var pgDialect = tables.Postgres()

// BeginCanonical starts one object's write in a transaction. Rows are
// buffered, COPYed into a per-session temporary staging table (created on
// first use, emptied at commit) and upserted from there with one
// INSERT ... SELECT ... ON CONFLICT per batch: COPY is PostgreSQL's bulk
// path, and the upsert keeps rows idempotent by natural key.
func (s *Store) BeginCanonical(ctx context.Context) (store.CanonicalWriter, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("canonical: begin: %w", err)
	}
	return &canonicalWriter{s: s, tx: tx, staged: map[string]bool{}}, nil
}

type canonicalWriter struct {
	s      *Store
	tx     pgx.Tx
	batch  tables.Batches
	staged map[string]bool // staging tables known to exist in this session
	done   bool
}

func stageName(t *tables.Table) string { return "memepipe_stage_" + t.Name }

func (w *canonicalWriter) Write(ctx context.Context, rows ...canonical.Row) error {
	if w.done {
		return errors.New("canonical: write after commit or rollback")
	}
	for _, r := range rows {
		t, err := tables.Of(r)
		if err != nil {
			return err
		}
		w.batch.Add(t, r)
		if w.batch.Len() >= batchRows {
			if err := w.Flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Flush copies the buffered rows into the staging tables and upserts them.
func (w *canonicalWriter) Flush(ctx context.Context) error {
	if w.done {
		return errors.New("canonical: flush after commit or rollback")
	}
	return w.batch.Drain(func(t *tables.Table, rows []canonical.Row) error {
		if ok, err := w.copyDirect(ctx, t, rows); ok || err != nil {
			return err
		}
		stage := stageName(t)
		if !w.staged[t.Name] {
			// ON COMMIT DELETE ROWS: the staging table lives as long as the
			// pooled connection and is empty at the start of every
			// transaction; a rollback discards what was copied too.
			_, err := w.tx.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+tables.Quote(stage)+
				" (LIKE "+tables.Quote(t.Name)+" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
			if err != nil {
				return fmt.Errorf("canonical %s: staging table: %w", t.Name, err)
			}
			w.staged[t.Name] = true
		}
		src := newCopyReader(t, rows)
		if _, err := w.tx.Conn().PgConn().CopyFrom(ctx, src, copySQL(stage, t)); err != nil {
			if src.err != nil {
				return &store.RowError{Err: src.err}
			}
			return rowError(fmt.Errorf("canonical %s: copy %d rows: %w", t.Name, len(rows), err))
		}
		if _, err := w.tx.Exec(ctx, t.InsertFromSQL(stage)); err != nil {
			return rowError(fmt.Errorf("canonical %s: upsert %d rows: %w", t.Name, len(rows), err))
		}
		if _, err := w.tx.Exec(ctx, "TRUNCATE "+tables.Quote(stage)); err != nil {
			return fmt.Errorf("canonical %s: empty staging table: %w", t.Name, err)
		}
		return nil
	})
}

// directMinRows is the smallest flush worth trying copyDirect on: below
// it, the two extra round trips of the savepoint cost more than staging.
const directMinRows = 2000

// directBackoff is how many flushes of a table skip copyDirect after it
// met a key that exists (a re-clean is likely to meet more).
const directBackoff = 16

// copyDirect tries the bulk path itself: a COPY straight into the table,
// behind a savepoint. When none of the rows' keys exist yet (the usual
// case: a clean of new data) that is the same as the upsert, at the cost
// of the COPY alone, without the staging table and the INSERT ... ON
// CONFLICT that probes every key. The first row whose key exists fails the
// COPY with a unique violation: back to the savepoint, and ok is false, so
// the caller upserts through the staging table. Rows within one flush have
// distinct keys (tables.Batches).
func (w *canonicalWriter) copyDirect(ctx context.Context, t *tables.Table, rows []canonical.Row) (ok bool, err error) {
	if len(rows) < directMinRows || !w.s.directAllowed(t.Name) {
		return false, nil
	}
	if _, err := w.tx.Exec(ctx, "SAVEPOINT memepipe_copy"); err != nil {
		return false, fmt.Errorf("canonical %s: savepoint: %w", t.Name, err)
	}
	src := newCopyReader(t, rows)
	_, cerr := w.tx.Conn().PgConn().CopyFrom(ctx, src, copySQL(t.Name, t))
	if cerr == nil {
		if _, err := w.tx.Exec(ctx, "RELEASE SAVEPOINT memepipe_copy"); err != nil {
			return false, fmt.Errorf("canonical %s: release savepoint: %w", t.Name, err)
		}
		return true, nil
	}
	if src.err != nil {
		return false, &store.RowError{Err: src.err}
	}
	var pe *pgconn.PgError
	if !errors.As(cerr, &pe) || pe.Code != "23505" {
		return false, rowError(fmt.Errorf("canonical %s: copy %d rows: %w", t.Name, len(rows), cerr))
	}
	w.s.directMissed(t.Name)
	if _, err := w.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT memepipe_copy"); err != nil {
		return false, fmt.Errorf("canonical %s: rollback to savepoint: %w", t.Name, err)
	}
	if _, err := w.tx.Exec(ctx, "RELEASE SAVEPOINT memepipe_copy"); err != nil {
		return false, fmt.Errorf("canonical %s: release savepoint: %w", t.Name, err)
	}
	return false, nil
}

// directAllowed reports whether copyDirect may be tried for table now.
func (s *Store) directAllowed(table string) bool {
	s.directMu.Lock()
	defer s.directMu.Unlock()
	if n := s.directSkip[table]; n > 0 {
		s.directSkip[table] = n - 1
		return false
	}
	return true
}

func (s *Store) directMissed(table string) {
	s.directMu.Lock()
	defer s.directMu.Unlock()
	if s.directSkip == nil {
		s.directSkip = map[string]int{}
	}
	s.directSkip[table] = directBackoff
}

// clip keeps a bad value short in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// rowError marks err as the rows' fault when PostgreSQL refused them for
// their values: SQLSTATE class 22 (data exception: a numeric out of range,
// an invalid text) or 23 (integrity constraint violation).
func rowError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23")) {
		return &store.RowError{Err: err}
	}
	return err
}

// Savepoint flushes the buffered rows, then sets a savepoint.
func (w *canonicalWriter) Savepoint(ctx context.Context, name string) error {
	if err := w.Flush(ctx); err != nil {
		return err
	}
	return w.exec(ctx, "SAVEPOINT", name)
}

// RollbackTo drops the buffered rows and rolls back to the savepoint. A
// staging table created after the savepoint is gone with it: the next
// flush creates it again (IF NOT EXISTS).
func (w *canonicalWriter) RollbackTo(ctx context.Context, name string) error {
	if w.done {
		return errors.New("canonical: rollback to savepoint after commit or rollback")
	}
	_ = w.batch.Drain(func(*tables.Table, []canonical.Row) error { return nil })
	clear(w.staged)
	return w.exec(ctx, "ROLLBACK TO SAVEPOINT", name)
}

// Release forgets the savepoint.
func (w *canonicalWriter) Release(ctx context.Context, name string) error {
	if w.done {
		return errors.New("canonical: release savepoint after commit or rollback")
	}
	return w.exec(ctx, "RELEASE SAVEPOINT", name)
}

func (w *canonicalWriter) exec(ctx context.Context, verb, name string) error {
	if !tables.IsIdent(name) {
		return fmt.Errorf("canonical: savepoint name %q is not a lower-case identifier", name)
	}
	if _, err := w.tx.Exec(ctx, verb+" "+name); err != nil {
		return fmt.Errorf("canonical: %s %s: %w", strings.ToLower(verb), name, err)
	}
	return nil
}

func (w *canonicalWriter) Commit(ctx context.Context) error {
	if w.done {
		return errors.New("canonical: commit after commit or rollback")
	}
	if err := w.Flush(ctx); err != nil {
		w.Rollback(ctx)
		return err
	}
	w.done = true
	if err := w.tx.Commit(ctx); err != nil {
		return fmt.Errorf("canonical: commit: %w", err)
	}
	return nil
}

func (w *canonicalWriter) Rollback(ctx context.Context) error {
	if w.done {
		return nil
	}
	w.done = true
	if err := w.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("canonical: rollback: %w", err)
	}
	return nil
}

// ScanCanonical streams matching rows, ordered by time then key.
func (s *Store) ScanCanonical(ctx context.Context, q store.CanonicalQuery, fn func(canonical.Row) error) error {
	t, sel, err := tables.Build(pgDialect, q, "rows")
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, sel.SQL, sel.Args...)
	if err != nil {
		return fmt.Errorf("canonical %s: %w", t.Name, err)
	}
	defer rows.Close()
	dest := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		dest[i] = pgHolder(c.Kind)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("canonical %s: %w", t.Name, err)
		}
		v := t.New()
		for i, c := range t.Columns {
			if err := pgSet(c, c.Field(v), dest[i]); err != nil {
				return fmt.Errorf("canonical %s: %s: %w", t.Name, c.Name, err)
			}
		}
		if err := fn(t.Row(v)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func pgHolder(k tables.Kind) any {
	switch k {
	case tables.Text, tables.Numeric:
		return new(string)
	case tables.Int:
		return new(int64)
	case tables.IntPtr:
		return new(*int64)
	case tables.Float:
		return new(float64)
	case tables.FloatPtr:
		return new(*float64)
	case tables.Bool:
		return new(bool)
	case tables.BoolPtr:
		return new(*bool)
	case tables.Time:
		return new(time.Time)
	case tables.TimePtr:
		return new(*time.Time)
	case tables.Strings:
		return new(*string)
	}
	panic("unsupported column kind")
}

func pgSet(c tables.Column, f reflect.Value, h any) error {
	switch c.Kind {
	case tables.Text, tables.Numeric:
		f.SetString(*h.(*string))
	case tables.Int:
		f.SetInt(*h.(*int64))
	case tables.IntPtr:
		if p := *h.(**int64); p != nil {
			v := *p
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Float:
		f.SetFloat(*h.(*float64))
	case tables.FloatPtr:
		if p := *h.(**float64); p != nil {
			v := *p
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Bool:
		f.SetBool(*h.(*bool))
	case tables.BoolPtr:
		if p := *h.(**bool); p != nil {
			v := *p
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Time:
		f.Set(reflect.ValueOf(h.(*time.Time).UTC()))
	case tables.TimePtr:
		if p := *h.(**time.Time); p != nil {
			v := p.UTC()
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Strings:
		if p := *h.(**string); p != nil {
			var ss []string
			if err := json.Unmarshal([]byte(*p), &ss); err != nil {
				return err
			}
			f.Set(reflect.ValueOf(ss))
		}
	}
	return nil
}

// CountCanonical counts matching rows.
func (s *Store) CountCanonical(ctx context.Context, q store.CanonicalQuery) (int, error) {
	t, sel, err := tables.Build(pgDialect, q, "count")
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, sel.SQL, sel.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("canonical %s: count: %w", t.Name, err)
	}
	return n, nil
}

// LatestCanonical is the newest time-column value of matching rows.
func (s *Store) LatestCanonical(ctx context.Context, q store.CanonicalQuery) (time.Time, bool, error) {
	t, sel, err := tables.Build(pgDialect, q, "latest")
	if err != nil {
		return time.Time{}, false, err
	}
	var latest *time.Time
	if err := s.pool.QueryRow(ctx, sel.SQL, sel.Args...).Scan(&latest); err != nil {
		return time.Time{}, false, fmt.Errorf("canonical %s: latest: %w", t.Name, err)
	}
	if latest == nil {
		return time.Time{}, false, nil
	}
	return latest.UTC(), true, nil
}
