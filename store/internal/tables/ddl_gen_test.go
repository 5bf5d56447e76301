package tables

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPrintDDL prints the CREATE TABLE statements the migrations hold
// (MEMEPIPE_PRINT_DDL=sqlite|postgres), as a starting point when a column
// is added.
func TestPrintDDL(t *testing.T) {
	d := os.Getenv("MEMEPIPE_PRINT_DDL")
	if d == "" {
		t.Skip("set MEMEPIPE_PRINT_DDL=sqlite or postgres")
	}
	for _, tb := range All {
		var cols []string
		for _, c := range tb.Columns {
			cols = append(cols, fmt.Sprintf("    %-22s %s", c.Name, SQLType(d, c)))
		}
		cols = append(cols, fmt.Sprintf("    PRIMARY KEY (%s)", strings.Join(tb.Key, ", ")))
		fmt.Printf("CREATE TABLE %s (\n%s\n);\n", tb.Name, strings.Join(cols, ",\n"))
	}
}
