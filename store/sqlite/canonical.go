package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"memepipe/canonical"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/tables"
)

// batchRows is how many rows one multi-row INSERT carries: large enough to
// amortise statement overhead, small enough to stay far under SQLite's
// 32,766 bound parameters for the widest table.
const batchRows = 256

var sqliteDialect = tables.SQLite(func(t time.Time) any { return column.TimeText(t) })

// BeginCanonical starts one object's write on the writer connection
// (BEGIN IMMEDIATE: the write lock is taken now, not at the first write).
func (s *Store) BeginCanonical(ctx context.Context) (store.CanonicalWriter, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("canonical: begin: %w", err)
	}
	return &canonicalWriter{tx: tx, stmts: map[string]*sql.Stmt{}}, nil
}

type canonicalWriter struct {
	tx    *sql.Tx
	batch tables.Batches
	stmts map[string]*sql.Stmt // full-batch statements by table
	done  bool
	args  []any
}

func (w *canonicalWriter) Write(ctx context.Context, rows ...canonical.Row) error {
	if w.done {
		return fmt.Errorf("canonical: write after commit or rollback")
	}
	for _, r := range rows {
		t, err := tables.Of(r)
		if err != nil {
			return err
		}
		w.batch.Add(t, r)
		if w.batch.Len() >= batchRows {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *canonicalWriter) flush(ctx context.Context) error {
	return w.batch.Drain(func(t *tables.Table, rows []canonical.Row) error {
		for len(rows) > 0 {
			n := min(len(rows), batchRows)
			if err := w.insert(ctx, t, rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	})
}

func (w *canonicalWriter) insert(ctx context.Context, t *tables.Table, rows []canonical.Row) error {
	w.args = w.args[:0]
	for _, r := range rows {
		v := reflect.ValueOf(r)
		for _, c := range t.Columns {
			a, err := sqliteValue(c, c.Field(v))
			if err != nil {
				return fmt.Errorf("canonical %s %s: %s: %w", t.Name, r.Key(), c.Name, err)
			}
			w.args = append(w.args, a)
		}
	}
	var err error
	if len(rows) == batchRows {
		stmt, ok := w.stmts[t.Name]
		if !ok {
			if stmt, err = w.tx.PrepareContext(ctx, t.InsertValuesSQL(batchRows)); err != nil {
				return fmt.Errorf("canonical %s: prepare: %w", t.Name, err)
			}
			w.stmts[t.Name] = stmt
		}
		_, err = stmt.ExecContext(ctx, w.args...)
	} else {
		_, err = w.tx.ExecContext(ctx, t.InsertValuesSQL(len(rows)), w.args...)
	}
	if err != nil {
		return fmt.Errorf("canonical %s: upsert %d rows: %w", t.Name, len(rows), err)
	}
	return nil
}

func (w *canonicalWriter) Commit(ctx context.Context) error {
	if w.done {
		return fmt.Errorf("canonical: commit after commit or rollback")
	}
	if err := w.flush(ctx); err != nil {
		w.Rollback(ctx)
		return err
	}
	w.done = true
	w.closeStmts()
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("canonical: commit: %w", err)
	}
	return nil
}

func (w *canonicalWriter) Rollback(ctx context.Context) error {
	if w.done {
		return nil
	}
	w.done = true
	w.closeStmts()
	if err := w.tx.Rollback(); err != nil && err != sql.ErrTxDone {
		return fmt.Errorf("canonical: rollback: %w", err)
	}
	return nil
}

func (w *canonicalWriter) closeStmts() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = nil
}

// sqliteValue is a column value as the driver binds it.
func sqliteValue(c tables.Column, f reflect.Value) (any, error) {
	switch c.Kind {
	case tables.Text:
		return column.Text(f.String()), nil
	case tables.Numeric:
		return f.String(), nil
	case tables.Int:
		return f.Int(), nil
	case tables.Float:
		return f.Float(), nil
	case tables.Bool:
		return f.Bool(), nil
	case tables.Time:
		return column.TimeText(f.Interface().(time.Time)), nil
	case tables.IntPtr, tables.FloatPtr, tables.BoolPtr:
		if f.IsNil() {
			return nil, nil
		}
		return f.Elem().Interface(), nil
	case tables.TimePtr:
		return column.NullTimeText(f.Interface().(*time.Time)), nil
	case tables.Strings:
		if f.IsNil() {
			return nil, nil
		}
		b, err := json.Marshal(f.Interface())
		return column.Text(string(b)), err
	}
	return nil, fmt.Errorf("unsupported column kind %d", c.Kind)
}

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
