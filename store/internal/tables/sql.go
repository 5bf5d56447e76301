package tables

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/evm"
	"memepipe/store"
)

// Quote quotes an identifier (column names such as "text" and "open" are
// type names or keywords in one dialect or the other).
func Quote(name string) string { return `"` + name + `"` }

// IsIdent reports whether name is a plain lower-case SQL identifier
// (savepoint names are written into statements unquoted).
func IsIdent(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = Quote(n)
	}
	return strings.Join(q, ", ")
}

// conflictClause is ON CONFLICT (key) DO UPDATE SET every other column.
func (t *Table) conflictClause() string {
	set := make([]string, 0, len(t.Columns))
	for _, c := range t.NonKey() {
		set = append(set, Quote(c)+" = excluded."+Quote(c))
	}
	if len(set) == 0 {
		return " ON CONFLICT (" + quoteAll(t.Key) + ") DO NOTHING"
	}
	return " ON CONFLICT (" + quoteAll(t.Key) + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// InsertValuesSQL is a multi-row upsert with ? placeholders (SQLite).
func (t *Table) InsertValuesSQL(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	vals := make([]string, rows)
	for i := range vals {
		vals[i] = one
	}
	return "INSERT INTO " + Quote(t.Name) + " (" + quoteAll(t.Names()) + ") VALUES " + strings.Join(vals, ", ") + t.conflictClause()
}

// InsertFromSQL upserts every row of a staging table (PostgreSQL).
func (t *Table) InsertFromSQL(stage string) string {
	cols := quoteAll(t.Names())
	return "INSERT INTO " + Quote(t.Name) + " (" + cols + ") SELECT " + cols + " FROM " + Quote(stage) + t.conflictClause()
}

// Select is a query built from a CanonicalQuery.
type Select struct {
	SQL  string
	Args []any
}

// Dialect tells the query builder how to write placeholders, time
// arguments and numeric columns.
type Dialect struct {
	// Placeholder is the n-th (1-based) parameter marker.
	Placeholder func(n int) string
	// TimeArg converts a time argument to what the driver binds.
	TimeArg func(time.Time) any
	// NumericSelect wraps a numeric column for reading as text.
	NumericSelect func(col string) string
}

// SQLite is the SQLite dialect: ? markers, times as column.TimeText.
func SQLite(timeArg func(time.Time) any) Dialect {
	return Dialect{
		Placeholder:   func(int) string { return "?" },
		TimeArg:       timeArg,
		NumericSelect: func(c string) string { return Quote(c) },
	}
}

// Postgres is the PostgreSQL dialect: $n markers, numeric read as text.
func Postgres() Dialect {
	return Dialect{
		Placeholder:   func(n int) string { return "$" + strconv.Itoa(n) },
		TimeArg:       func(t time.Time) any { return t.UTC() },
		NumericSelect: func(c string) string { return Quote(c) + "::text" },
	}
}

// Build returns the query for q: what is "rows" (every column, ordered by
// time then key), "count" or "latest" (max of the time column).
func Build(d Dialect, q store.CanonicalQuery, what string) (*Table, Select, error) {
	t, ok := ByName(q.Table)
	if !ok {
		return nil, Select{}, fmt.Errorf("canonical: no table %q", q.Table)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return d.Placeholder(len(args))
	}
	if q.Token != "" {
		if !t.HasToken {
			return nil, Select{}, fmt.Errorf("canonical %s: has no token column", t.Name)
		}
		where = append(where, Quote("token")+" = "+arg(q.Token))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if t.TS == "" {
			return nil, Select{}, fmt.Errorf("canonical %s: has no time column", t.Name)
		}
		if !q.From.IsZero() {
			where = append(where, Quote(t.TS)+" >= "+arg(d.TimeArg(q.From)))
		}
		if !q.To.IsZero() {
			where = append(where, Quote(t.TS)+" < "+arg(d.TimeArg(q.To)))
		}
	}
	if q.BarInterval != "" {
		if t.Name != "price_bars" {
			return nil, Select{}, fmt.Errorf("canonical %s: bar interval applies to price_bars only", t.Name)
		}
		where = append(where, Quote("bar_interval")+" = "+arg(q.BarInterval))
	}
	if q.Address != "" {
		if t.Name != "transactions" && t.Name != "transfers" {
			return nil, Select{}, fmt.Errorf("canonical %s: address applies to transactions and transfers only", t.Name)
		}
		a, err := evm.ChecksumAddress(q.Address)
		if err != nil {
			return nil, Select{}, fmt.Errorf("canonical %s: %w", t.Name, err)
		}
		// One marker per use: SQLite's ? markers cannot be repeated.
		cond := "(" + Quote("from_address") + " = " + arg(a) + " OR " + Quote("to_address") + " = " + arg(a)
		if t.Name == "transactions" {
			cond += " OR " + Quote("created_contract") + " = " + arg(a)
		}
		where = append(where, cond+")")
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var sql string
	switch what {
	case "count":
		sql = "SELECT count(*) FROM " + Quote(t.Name) + w
	case "latest":
		if t.TS == "" {
			return nil, Select{}, fmt.Errorf("canonical %s: has no time column", t.Name)
		}
		sql = "SELECT max(" + Quote(t.TS) + ") FROM " + Quote(t.Name) + w
	default:
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			if c.Kind == Numeric {
				cols[i] = d.NumericSelect(c.Name)
			} else {
				cols[i] = Quote(c.Name)
			}
		}
		order := t.Key
		if t.TS != "" {
			order = append([]string{t.TS}, t.Key...)
		}
		sql = "SELECT " + strings.Join(cols, ", ") + " FROM " + Quote(t.Name) + w + " ORDER BY " + quoteAll(order)
		if q.Limit > 0 {
			sql += " LIMIT " + strconv.Itoa(q.Limit)
		}
	}
	return t, Select{SQL: sql, Args: args}, nil
}

// Batches groups rows by table, keeping only the last row per natural key
// (a statement may not touch one key twice), in first-seen table order.
type Batches struct {
	order  []string
	rows   map[string][]canonical.Row
	keyPos map[string]map[string]int
	n      int
}

// Add appends r; it replaces an earlier row with the same key.
func (b *Batches) Add(t *Table, r canonical.Row) {
	key := r.Key()
	if b.rows == nil {
		b.rows, b.keyPos = map[string][]canonical.Row{}, map[string]map[string]int{}
	}
	if _, ok := b.rows[t.Name]; !ok {
		b.order = append(b.order, t.Name)
		b.keyPos[t.Name] = map[string]int{}
	}
	if i, ok := b.keyPos[t.Name][key]; ok {
		b.rows[t.Name][i] = r
		return
	}
	b.keyPos[t.Name][key] = len(b.rows[t.Name])
	b.rows[t.Name] = append(b.rows[t.Name], r)
	b.n++
}

// Len is the number of distinct rows held.
func (b *Batches) Len() int { return b.n }

// Drain calls fn per table with its rows, then empties the batches.
func (b *Batches) Drain(fn func(t *Table, rows []canonical.Row) error) error {
	for _, name := range b.order {
		t, _ := ByName(name)
		if err := fn(t, b.rows[name]); err != nil {
			return err
		}
	}
	b.order, b.rows, b.keyPos, b.n = nil, nil, nil, 0
	return nil
}
