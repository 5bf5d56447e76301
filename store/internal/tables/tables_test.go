package tables

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"memepipe/canonical"
)

// The col:"key" tags must name exactly the columns KeyParts returns, in
// order: the stores' primary keys come from the tags, the checks and the
// in-memory dedupe from KeyParts.
func TestKeyTagsMatchKeyParts(t *testing.T) {
	for _, tb := range All {
		v := tb.New()
		// Give every field a distinct non-zero value, then compare.
		for i, c := range tb.Columns {
			f := c.Field(v)
			switch c.Kind {
			case Text, Numeric:
				f.SetString(c.Name)
			case Int:
				f.SetInt(int64(1000 + i))
			case Time:
				f.Set(reflect.ValueOf(time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC)))
			}
		}
		r := tb.Row(v)
		parts := r.KeyParts()
		if len(parts) != len(tb.Key) {
			t.Errorf("%s: %d key tags %v, KeyParts has %d", tb.Name, len(tb.Key), tb.Key, len(parts))
			continue
		}
		for i, name := range tb.Key {
			var want string
			for j, c := range tb.Columns {
				if c.Name != name {
					continue
				}
				switch c.Kind {
				case Text, Numeric:
					want = name
				case Int:
					want = itoa(1000 + j)
				case Time:
					want = time.Date(2020, 1, 1, 0, 0, j, 0, time.UTC).Format(time.RFC3339Nano)
				}
			}
			if parts[i] != want {
				t.Errorf("%s: key part %d = %q, the %s column gives %q", tb.Name, i, parts[i], name, want)
			}
		}
	}
	if len(All) != len(canonical.Tables) {
		t.Errorf("%d descriptors for %d tables", len(All), len(canonical.Tables))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
