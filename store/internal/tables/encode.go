package tables

import (
	"fmt"
	"reflect"
	"time"

	"memepipe/canonical"
)

// Encoder receives a row's column values, one call per column in column
// order, typed by the column's Kind. Each store implements it once (SQLite
// driver arguments, PostgreSQL COPY data), so writing a row costs neither
// reflection nor a boxed value per column.
type Encoder interface {
	Text(s string)
	Numeric(s string)
	Int(v int64)
	IntPtr(v *int64)
	Float(v float64)
	FloatPtr(v *float64)
	Bool(v bool)
	BoolPtr(v *bool)
	Time(v time.Time)
	TimePtr(v *time.Time)
	Strings(v []string)
}

// Encode passes r's columns to e. The per-table code is generated from
// the descriptors (encode_gen.go, `go test ./store/internal/tables -run
// TestEncodersGenerated -update`); EncodeReflect is what it must equal.
func (t *Table) Encode(r canonical.Row, e Encoder) error {
	if !encodeRow(r, e) {
		return fmt.Errorf("canonical row %T has no generated encoder (regenerate encode_gen.go)", r)
	}
	return nil
}

// EncodeReflect passes r's columns to e by reflection over the descriptor:
// the definition the generated encoders are tested against.
func (t *Table) EncodeReflect(r canonical.Row, e Encoder) {
	v := reflect.ValueOf(r)
	for _, c := range t.Columns {
		f := c.Field(v)
		switch c.Kind {
		case Text:
			e.Text(f.String())
		case Numeric:
			e.Numeric(f.String())
		case Int:
			e.Int(f.Int())
		case IntPtr:
			e.IntPtr(f.Interface().(*int64))
		case Float:
			e.Float(f.Float())
		case FloatPtr:
			e.FloatPtr(f.Interface().(*float64))
		case Bool:
			e.Bool(f.Bool())
		case BoolPtr:
			e.BoolPtr(f.Interface().(*bool))
		case Time:
			e.Time(f.Interface().(time.Time))
		case TimePtr:
			e.TimePtr(f.Interface().(*time.Time))
		case Strings:
			e.Strings(f.Interface().([]string))
		}
	}
}

// kindMethod is the Encoder method of each kind (for the generator).
var kindMethod = map[Kind]string{
	Text: "Text", Numeric: "Numeric", Int: "Int", IntPtr: "IntPtr", Float: "Float", FloatPtr: "FloatPtr",
	Bool: "Bool", BoolPtr: "BoolPtr", Time: "Time", TimePtr: "TimePtr", Strings: "Strings",
}
