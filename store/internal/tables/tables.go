// Package tables describes the canonical tables for the SQL stores: one
// descriptor per canonical row type, read from its struct tags (json: the
// column name; col:"key" the natural key; col:"numeric" an exact decimal
// kept in a string). Both dialects build their statements from these, so
// a column added to a canonical type needs only a migration.
package tables

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"memepipe/canonical"
)

// Kind is a column's storage class.
type Kind int

const (
	Text     Kind = iota // string
	Numeric              // string holding an exact decimal
	Int                  // int, int64
	IntPtr               // *int64, NULL for nil
	Float                // float64
	FloatPtr             // *float64
	Bool                 // bool
	BoolPtr              // *bool
	Time                 // time.Time
	TimePtr              // *time.Time
	Strings              // []string, as a JSON array (NULL for nil)
)

// Column is one column of a table.
type Column struct {
	Name   string
	Kind   Kind
	Key    bool
	field  []int
	goName string // the struct field (for the generated encoders)
}

// Table is one canonical table.
type Table struct {
	Name    string
	Type    reflect.Type
	Columns []Column
	// Key lists the natural-key columns, in KeyParts order.
	Key []string
	// TS is the time column reads filter and order by ("" for tokens).
	TS string
	// HasToken reports a token column to filter by.
	HasToken bool
}

var (
	byName = map[string]*Table{}
	// All lists the tables in canonical.Tables order.
	All []*Table
)

// rowTypes are the row types, one per table.
var rowTypes = []canonical.Row{
	canonical.Token{}, canonical.Tweet{}, canonical.PriceBar{}, canonical.CorporateAction{},
	canonical.Quote{}, canonical.HolderBreakdown{}, canonical.Transfer{}, canonical.Transaction{},
	canonical.Swap{}, canonical.LiquidityEvent{}, canonical.PairReserve{}, canonical.Contract{},
	canonical.Fundamentals{},
}

// tsColumns is each table's time column.
var tsColumns = map[string]string{
	canonical.TableTweets: "created_at", canonical.TablePriceBars: "ts", canonical.TableCorporateActions: "ts",
	canonical.TableQuotes: "fetched_at", canonical.TableHolderBreakdowns: "fetched_at", canonical.TableTransfers: "ts",
	canonical.TableTransactions: "ts", canonical.TableSwaps: "ts", canonical.TableLiquidityEvents: "ts",
	canonical.TablePairReserves: "ts", canonical.TableContracts: "fetched_at", canonical.TableFundamentals: "fetched_at",
}

func init() {
	for _, r := range rowTypes {
		t := describe(r)
		byName[t.Name] = t
		All = append(All, t)
	}
	if len(All) != len(canonical.Tables) {
		panic("tables: a canonical table has no row type")
	}
}

var (
	timeType = reflect.TypeOf(time.Time{})
)

func describe(r canonical.Row) *Table {
	typ := reflect.TypeOf(r)
	t := &Table{Name: r.Table(), Type: typ, TS: tsColumns[r.Table()]}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		col := Column{Name: name, field: f.Index, goName: f.Name}
		opts := strings.Split(f.Tag.Get("col"), ",")
		for _, o := range opts {
			switch o {
			case "key":
				col.Key = true
			case "numeric":
				col.Kind = Numeric
			}
		}
		if col.Kind != Numeric {
			col.Kind = kindOf(f.Type, typ.Name()+"."+f.Name)
		}
		if col.Key {
			t.Key = append(t.Key, name)
		}
		if name == "token" {
			t.HasToken = true
		}
		t.Columns = append(t.Columns, col)
	}
	return t
}

func kindOf(ft reflect.Type, where string) Kind {
	switch {
	case ft == timeType:
		return Time
	case ft.Kind() == reflect.Pointer && ft.Elem() == timeType:
		return TimePtr
	case ft.Kind() == reflect.String:
		return Text
	case ft.Kind() == reflect.Int || ft.Kind() == reflect.Int64:
		return Int
	case ft.Kind() == reflect.Float64:
		return Float
	case ft.Kind() == reflect.Bool:
		return Bool
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Int64:
		return IntPtr
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Float64:
		return FloatPtr
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Bool:
		return BoolPtr
	case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
		return Strings
	}
	panic(fmt.Sprintf("tables: %s has unsupported type %s", where, ft))
}

// ByName returns the table called name.
func ByName(name string) (*Table, bool) {
	t, ok := byName[name]
	return t, ok
}

// Of returns the table of a row.
func Of(r canonical.Row) (*Table, error) {
	t, ok := byName[r.Table()]
	if !ok || reflect.TypeOf(r) != t.Type {
		return nil, fmt.Errorf("canonical row %T is not a stored row type", r)
	}
	return t, nil
}

// Field returns the Go value of column c in row v (a struct value).
func (c Column) Field(v reflect.Value) reflect.Value { return v.FieldByIndex(c.field) }

// Names lists the column names.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// NonKey lists the columns outside the natural key.
func (t *Table) NonKey() []string {
	var out []string
	for _, c := range t.Columns {
		if !c.Key {
			out = append(out, c.Name)
		}
	}
	return out
}

// New returns a settable zero row of the table's type.
func (t *Table) New() reflect.Value { return reflect.New(t.Type).Elem() }

// Row converts a filled struct value back to a canonical.Row.
func (t *Table) Row(v reflect.Value) canonical.Row { return v.Interface().(canonical.Row) }

// SQLType is a column's type in a dialect ("sqlite" or "postgres"). Key
// columns and non-pointer columns are NOT NULL.
func SQLType(dialect string, c Column) string {
	var typ string
	nullable := false
	switch c.Kind {
	case Text:
		typ = map[string]string{"sqlite": "TEXT", "postgres": "text"}[dialect]
	case Numeric:
		// SQLite has no exact decimal wider than 64 bits: the digits are
		// kept as text. PostgreSQL's numeric holds uint256 exactly.
		typ = map[string]string{"sqlite": "TEXT", "postgres": "numeric"}[dialect]
	case Int:
		typ = map[string]string{"sqlite": "INTEGER", "postgres": "bigint"}[dialect]
	case IntPtr:
		typ, nullable = map[string]string{"sqlite": "INTEGER", "postgres": "bigint"}[dialect], true
	case Float:
		typ = map[string]string{"sqlite": "REAL", "postgres": "double precision"}[dialect]
	case FloatPtr:
		typ, nullable = map[string]string{"sqlite": "REAL", "postgres": "double precision"}[dialect], true
	case Bool:
		typ = map[string]string{"sqlite": "INTEGER", "postgres": "boolean"}[dialect]
	case BoolPtr:
		typ, nullable = map[string]string{"sqlite": "INTEGER", "postgres": "boolean"}[dialect], true
	case Time:
		typ = map[string]string{"sqlite": "TEXT", "postgres": "timestamptz"}[dialect]
	case TimePtr:
		typ, nullable = map[string]string{"sqlite": "TEXT", "postgres": "timestamptz"}[dialect], true
	case Strings:
		typ, nullable = map[string]string{"sqlite": "TEXT", "postgres": "text"}[dialect], true
	}
	if !nullable {
		if dialect == "sqlite" {
			typ += " NOT NULL"
		} else {
			typ += " NOT NULL"
		}
	}
	return typ
}
