package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"memepipe/canonical"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/tables"
)

// stmtRows is how many rows one INSERT carries. One: a multi-row INSERT
// ... ON CONFLICT inside a transaction keeps a statement journal (a copy
// of every page it changes, to undo itself alone on a constraint error),
// which cost more than the statement overhead it saves; a one-row INSERT
// needs none. The statement is prepared once per transaction and run
// through the driver directly (see canonicalWriter).
const stmtRows = 1

var sqliteDialect = tables.SQLite(func(t time.Time) any { return column.TimeText(t) })

// BeginCanonical starts a transaction on the writer connection (BEGIN
// IMMEDIATE: the write lock is taken now, not at the first write).
func (s *Store) BeginCanonical(ctx context.Context) (store.CanonicalWriter, error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("canonical: begin: %w", err)
	}
	// The checkpoint after this transaction's commit runs in the
	// background (checkpointer), not on this connection.
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("canonical: begin: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		restoreAutocheckpoint(conn)
		conn.Close()
		return nil, fmt.Errorf("canonical: begin: %w", err)
	}
	return &canonicalWriter{conn: conn, ckpt: s.ckpt, pending: map[string][]canonical.Row{}, stmts: map[string]driver.Stmt{}}, nil
}

// walAutocheckpoint is SQLite's default, which every other write on the
// writer connection keeps.
const walAutocheckpoint = 1000

// restoreAutocheckpoint gives the connection back its automatic
// checkpoints before it returns to the pool; a connection that cannot be
// restored is dropped instead.
func restoreAutocheckpoint(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walAutocheckpoint)); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// canonicalWriter buffers rows per table and upserts them with prepared
// one-row statements, run on the driver's connection without
// database/sql in between (sql.Conn.Raw): per row, database/sql would
// check and convert every argument again, and watch the context with a
// goroutine of the driver's; the writer checks the context per batch of
// rows instead. It holds the writer connection from BEGIN to COMMIT or
// ROLLBACK. Rows are applied in the order written, so a later row with
// the same key updates the earlier one.
type canonicalWriter struct {
	conn       *sql.Conn
	ckpt       *checkpointer
	order      []string                   // tables in first-written order
	pending    map[string][]canonical.Row // buffered rows by table
	stmts      map[string]driver.Stmt     // each table's upsert, prepared in this transaction
	done       bool
	values     rowValues
	driverArgs driverArgs
	rawArgs    rawArgs
}

// writeBatch is how many rows of one table are buffered before they are
// sent (one Raw call on the connection).
const writeBatch = 256

func (w *canonicalWriter) Write(ctx context.Context, rows ...canonical.Row) error {
	if w.done {
		return fmt.Errorf("canonical: write after commit or rollback")
	}
	for _, r := range rows {
		t, err := tables.Of(r)
		if err != nil {
			return err
		}
		buf, ok := w.pending[t.Name]
		if !ok {
			w.order = append(w.order, t.Name)
		}
		buf = append(buf, r)
		if len(buf) >= writeBatch {
			if err := w.insert(ctx, t, buf); err != nil {
				return err
			}
			clear(buf)
			buf = buf[:0]
		}
		w.pending[t.Name] = buf
	}
	return nil
}

// Flush sends every buffered row.
func (w *canonicalWriter) Flush(ctx context.Context) error {
	if w.done {
		return fmt.Errorf("canonical: flush after commit or rollback")
	}
	for _, name := range w.order {
		buf := w.pending[name]
		if len(buf) == 0 {
			continue
		}
		t, _ := tables.ByName(name)
		if err := w.insert(ctx, t, buf); err != nil {
			return err
		}
		clear(buf)
		w.pending[name] = buf[:0]
	}
	return nil
}

// discard drops the buffered rows (a rollback to a savepoint).
func (w *canonicalWriter) discard() {
	for name, buf := range w.pending {
		clear(buf)
		w.pending[name] = buf[:0]
	}
}

func (w *canonicalWriter) insert(ctx context.Context, t *tables.Table, rows []canonical.Row) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.conn.Raw(func(dc any) error {
		st, ok := w.stmts[t.Name]
		if !ok {
			var err error
			st, err = dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), t.InsertValuesSQL(stmtRows))
			if err != nil {
				return fmt.Errorf("canonical %s: prepare: %w", t.Name, err)
			}
			w.stmts[t.Name] = st
		}
		if rs, ok := rawStmtOf(dc, st); ok {
			return w.insertRaw(t, rs, rows)
		}
		exec := st.(driver.StmtExecContext)
		a := &w.driverArgs
		for _, r := range rows {
			a.args = a.args[:0]
			w.values.reset(t, a)
			if err := t.Encode(r, &w.values); err != nil {
				return err
			}
			if w.values.err != nil {
				return &store.RowError{Err: fmt.Errorf("canonical %s %s: %w", t.Name, r.Key(), w.values.err)}
			}
			// No cancellation inside a one-row statement: the context was
			// checked above, per batch of rows.
			if _, err := exec.ExecContext(context.Background(), a.args); err != nil {
				return upsertError(t, r, err)
			}
		}
		clear(a.args) // do not keep the rows' strings alive
		return nil
	})
}

// insertRaw runs the upsert once per row through SQLite's own API.
func (w *canonicalWriter) insertRaw(t *tables.Table, rs rawStmt, rows []canonical.Row) error {
	b := &w.rawArgs
	b.stmt = rs
	defer b.release()
	for _, r := range rows {
		b.release()
		w.values.reset(t, b)
		if err := t.Encode(r, &w.values); err != nil {
			return err
		}
		if w.values.err != nil {
			return &store.RowError{Err: fmt.Errorf("canonical %s %s: %w", t.Name, r.Key(), w.values.err)}
		}
		if err := b.exec(); err != nil {
			return upsertError(t, r, err)
		}
	}
	return nil
}

// upsertError describes a failed upsert of r, as the row's fault when
// SQLite refused it for its values.
func upsertError(t *tables.Table, r canonical.Row, err error) error {
	err = fmt.Errorf("canonical %s %s: upsert: %w", t.Name, r.Key(), err)
	if isRowRefused(err) {
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

// RollbackTo drops the buffered rows and rolls back to the savepoint.
func (w *canonicalWriter) RollbackTo(ctx context.Context, name string) error {
	if w.done {
		return fmt.Errorf("canonical: rollback to savepoint after commit or rollback")
	}
	w.discard()
	return w.exec(ctx, "ROLLBACK TO", name)
}

// Release forgets the savepoint.
func (w *canonicalWriter) Release(ctx context.Context, name string) error {
	if w.done {
		return fmt.Errorf("canonical: release savepoint after commit or rollback")
	}
	return w.exec(ctx, "RELEASE", name)
}

func (w *canonicalWriter) exec(ctx context.Context, verb, name string) error {
	if !tables.IsIdent(name) {
		return fmt.Errorf("canonical: savepoint name %q is not a lower-case identifier", name)
	}
	if _, err := w.conn.ExecContext(ctx, verb+" "+name); err != nil {
		return fmt.Errorf("canonical: %s %s: %w", strings.ToLower(verb), name, err)
	}
	return nil
}

func (w *canonicalWriter) Commit(ctx context.Context) error {
	if w.done {
		return fmt.Errorf("canonical: commit after commit or rollback")
	}
	if err := w.Flush(ctx); err != nil {
		w.Rollback(ctx)
		return err
	}
	w.closeStmts()
	// Not cancellable half-way: a COMMIT either happens or is rolled back.
	if _, err := w.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		w.Rollback(ctx)
		return fmt.Errorf("canonical: commit: %w", err)
	}
	w.done = true
	restoreAutocheckpoint(w.conn)
	w.ckpt.request()
	return w.conn.Close()
}

// Rollback ends the transaction. It runs even when ctx is done: the
// connection goes back to the pool and must not carry an open transaction
// (if ROLLBACK fails, the connection is dropped instead).
func (w *canonicalWriter) Rollback(ctx context.Context) error {
	if w.done {
		return nil
	}
	w.done = true
	w.discard()
	w.closeStmts()
	_, err := w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
		w.conn.Close()
		return fmt.Errorf("canonical: rollback: %w", err)
	}
	restoreAutocheckpoint(w.conn)
	return w.conn.Close()
}

// closeStmts finalizes the transaction's prepared statements.
func (w *canonicalWriter) closeStmts() {
	if len(w.stmts) == 0 {
		return
	}
	_ = w.conn.Raw(func(any) error {
		for _, st := range w.stmts {
			st.Close()
		}
		return nil
	})
	clear(w.stmts)
}

// isRowRefused reports whether SQLite refused a statement because of the
// values it carried (a constraint, a type mismatch, a value too big),
// rather than because of the database.
func isRowRefused(err error) bool {
	var code int
	var se *sqlite3.Error
	var re *rawError
	switch {
	case errors.As(err, &se):
		code = se.Code()
	case errors.As(err, &re):
		code = re.code
	default:
		return false
	}
	switch code & 0xff {
	case sqlite3lib.SQLITE_CONSTRAINT, sqlite3lib.SQLITE_MISMATCH, sqlite3lib.SQLITE_TOOBIG, sqlite3lib.SQLITE_RANGE:
		return true
	}
	return false
}

// clip keeps a bad value short in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// rowValues turns a row's columns into the values the canonical columns
// store (a tables.Encoder): times as column.TimeText, lists as JSON
// arrays, text made valid UTF-8, booleans as 0 and 1; and hands each to a
// binder. A bad value (a malformed decimal) is kept in err with its
// column, and the row must not be sent.
type rowValues struct {
	t   *tables.Table
	b   binder
	col int
	err error
	buf []byte
}

// binder binds one statement parameter after another.
type binder interface {
	text(s string)
	int64(v int64)
	float64(v float64)
	null()
}

func (v *rowValues) reset(t *tables.Table, b binder) {
	v.t, v.b, v.col, v.err = t, b, 0, nil
}

func (v *rowValues) Text(s string) { v.col++; v.b.text(column.Text(s)) }

func (v *rowValues) Numeric(s string) {
	if !column.IsDecimal(s) && v.err == nil {
		v.err = fmt.Errorf("%s: %q is not a decimal", v.t.Columns[v.col].Name, clip(s))
	}
	v.col++
	v.b.text(s)
}

func (v *rowValues) Int(n int64)      { v.col++; v.b.int64(n) }
func (v *rowValues) Float(f float64)  { v.col++; v.b.float64(f) }
func (v *rowValues) Time(t time.Time) { v.col++; v.b.text(column.TimeText(t)) }

func (v *rowValues) Bool(x bool) {
	var n int64
	if x {
		n = 1
	}
	v.Int(n)
}

func (v *rowValues) null() { v.col++; v.b.null() }

func (v *rowValues) IntPtr(p *int64) {
	if p == nil {
		v.null()
		return
	}
	v.Int(*p)
}

func (v *rowValues) FloatPtr(p *float64) {
	if p == nil {
		v.null()
		return
	}
	v.Float(*p)
}

func (v *rowValues) BoolPtr(p *bool) {
	if p == nil {
		v.null()
		return
	}
	v.Bool(*p)
}

func (v *rowValues) TimePtr(p *time.Time) {
	if p == nil {
		v.null()
		return
	}
	v.Time(*p)
}

func (v *rowValues) Strings(ss []string) {
	if ss == nil {
		v.null()
		return
	}
	v.buf = column.AppendStringsJSON(v.buf[:0], ss)
	v.col++
	v.b.text(string(v.buf))
}

// driverArgs binds through database/sql's driver interface: the
// arguments of the driver statement's ExecContext.
type driverArgs struct{ args []driver.NamedValue }

func (a *driverArgs) add(v any) {
	a.args = append(a.args, driver.NamedValue{Ordinal: len(a.args) + 1, Value: v})
}
func (a *driverArgs) text(s string)     { a.add(s) }
func (a *driverArgs) int64(n int64)     { a.add(n) }
func (a *driverArgs) float64(f float64) { a.add(f) }
func (a *driverArgs) null()             { a.add(nil) }

// ScanCanonical streams matching rows, ordered by time then key.
func (s *Store) ScanCanonical(ctx context.Context, q store.CanonicalQuery, fn func(canonical.Row) error) error {
	t, sel, err := tables.Build(sqliteDialect, q, "rows")
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, sel.SQL, sel.Args...)
	if err != nil {
		return fmt.Errorf("canonical %s: %w", t.Name, err)
	}
	defer rows.Close()
	dest := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		dest[i] = sqliteHolder(c.Kind)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("canonical %s: %w", t.Name, err)
		}
		v := t.New()
		for i, c := range t.Columns {
			if err := sqliteSet(c, c.Field(v), dest[i]); err != nil {
				return fmt.Errorf("canonical %s: %s: %w", t.Name, c.Name, err)
			}
		}
		if err := fn(t.Row(v)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func sqliteHolder(k tables.Kind) any {
	switch k {
	case tables.Text, tables.Numeric:
		return new(string)
	case tables.Int:
		return new(int64)
	case tables.IntPtr:
		return new(sql.NullInt64)
	case tables.Float:
		return new(float64)
	case tables.FloatPtr:
		return new(sql.NullFloat64)
	case tables.Bool:
		return new(bool)
	case tables.BoolPtr:
		return new(sql.NullBool)
	case tables.Time, tables.TimePtr:
		return new(column.TextTime)
	case tables.Strings:
		return new(sql.NullString)
	}
	panic("unsupported column kind")
}

func sqliteSet(c tables.Column, f reflect.Value, h any) error {
	switch c.Kind {
	case tables.Text, tables.Numeric:
		f.SetString(*h.(*string))
	case tables.Int:
		f.SetInt(*h.(*int64))
	case tables.IntPtr:
		if n := h.(*sql.NullInt64); n.Valid {
			v := n.Int64
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Float:
		f.SetFloat(*h.(*float64))
	case tables.FloatPtr:
		if n := h.(*sql.NullFloat64); n.Valid {
			v := n.Float64
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Bool:
		f.SetBool(*h.(*bool))
	case tables.BoolPtr:
		if n := h.(*sql.NullBool); n.Valid {
			v := n.Bool
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Time:
		f.Set(reflect.ValueOf(h.(*column.TextTime).Time))
	case tables.TimePtr:
		if tt := h.(*column.TextTime); tt.Valid {
			v := tt.Time
			f.Set(reflect.ValueOf(&v))
		}
	case tables.Strings:
		if n := h.(*sql.NullString); n.Valid {
			var ss []string
			if err := json.Unmarshal([]byte(n.String), &ss); err != nil {
				return err
			}
			f.Set(reflect.ValueOf(ss))
		}
	}
	return nil
}

// CountCanonical counts matching rows.
func (s *Store) CountCanonical(ctx context.Context, q store.CanonicalQuery) (int, error) {
	t, sel, err := tables.Build(sqliteDialect, q, "count")
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.r.QueryRowContext(ctx, sel.SQL, sel.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("canonical %s: count: %w", t.Name, err)
	}
	return n, nil
}

// LatestCanonical is the newest time-column value of matching rows.
func (s *Store) LatestCanonical(ctx context.Context, q store.CanonicalQuery) (time.Time, bool, error) {
	t, sel, err := tables.Build(sqliteDialect, q, "latest")
	if err != nil {
		return time.Time{}, false, err
	}
	var latest column.TextTime
	if err := s.r.QueryRowContext(ctx, sel.SQL, sel.Args...).Scan(&latest); err != nil {
		return time.Time{}, false, fmt.Errorf("canonical %s: latest: %w", t.Name, err)
	}
	return latest.Time, latest.Valid, nil
}
