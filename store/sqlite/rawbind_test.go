package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/store"
)

// The writer binds through SQLite's API on this driver version: if an
// upgrade renames the fields rawStmtOf reads, the writer still works
// (through ExecContext) but this fails, so the loss is noticed.
func TestRawBinding(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, "SELECT ?")
		if err != nil {
			return err
		}
		defer st.Close()
		if _, ok := rawStmtOf(dc, st); !ok {
			return fmt.Errorf("rawStmtOf found no SQLite handles in %T / %T", dc, st)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A value SQLite refuses through the raw path is the row's fault, with
// SQLite's message and extended code.
func TestRawBindingRefusal(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.w.ExecContext(ctx, "CREATE TABLE probe (k TEXT PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, "INSERT INTO probe VALUES (?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		rs, ok := rawStmtOf(dc, st)
		if !ok {
			t.Skip("no raw binding on this driver (TestRawBinding fails)")
		}
		b := &rawArgs{stmt: rs}
		run := func(bind func()) error {
			b.release()
			bind()
			return b.exec()
		}
		if err := run(func() { b.text("a"); b.int64(1) }); err != nil {
			return fmt.Errorf("first insert: %v", err)
		}
		for name, bind := range map[string]func(){
			"duplicate key": func() { b.text("a"); b.int64(2) },
			"null":          func() { b.text("b"); b.null() },
		} {
			err := run(bind)
			if err == nil || !isRowRefused(err) || !strings.Contains(err.Error(), "constraint failed") {
				return fmt.Errorf("%s: err = %v, want a refused row", name, err)
			}
		}
		if err := run(func() { b.text("c") }); err == nil || isRowRefused(err) {
			return fmt.Errorf("one value for two parameters: err = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Rows written through SQLite's API and through the driver are stored
// alike, value and storage class, in every column of every table.
func TestRawBindingStoresAsDriver(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", -3600))
	f, n, yes := 0.5, int64(-7), true
	rows := []canonical.Row{
		canonical.Tweet{TweetID: "1", Token: "ethereum:0xabc", Text: "gm 🚀 \xff bad \x00 nul", CreatedAt: when,
			AuthorFollowers: &n, AuthorVerified: &yes, AuthorCreatedAt: &when, Cashtags: []string{"PEPE", `q"<&>`}, CashtagTokens: []string{}},
		canonical.Tweet{TweetID: "2", Token: "", CreatedAt: time.Time{}},
		canonical.Transfer{Chain: "ethereum", TxHash: "0x1", LogIndex: math.MaxInt64, TS: when, ValueRaw: "115792089237316195423570985008687907853269984665640564039457584007913129639935",
			Value: "-0.000001", ValueFloat: math.Inf(-1), Decimals: 18},
		canonical.PriceBar{Token: "t", BarInterval: "1h", TS: when, Open: math.Copysign(0, -1), High: math.MaxFloat64, Low: math.SmallestNonzeroFloat64, AdjClose: &f},
	}
	dump := func(raw bool) string {
		rawBinding = raw
		defer func() { rawBinding = true }()
		s, err := Open(ctx, filepath.Join(t.TempDir(), fmt.Sprintf("%v.db", raw)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := store.UpsertCanonical(ctx, s, rows); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		for _, table := range []string{"tweets", "transfers", "price_bars"} {
			cols, err := s.r.QueryContext(ctx, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
			if err != nil {
				t.Fatal(err)
			}
			var exprs []string
			for cols.Next() {
				var c string
				cols.Scan(&c)
				exprs = append(exprs, fmt.Sprintf("typeof(%q) || ':' || quote(%q)", c, c))
			}
			cols.Close()
			q := "SELECT " + strings.Join(exprs, " || ' | ' || ") + " FROM " + table + " ORDER BY rowid"
			res, err := s.r.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for res.Next() {
				var line string
				res.Scan(&line)
				out.WriteString(table + ": " + line + "\n")
			}
			res.Close()
		}
		return out.String()
	}
	viaDriver, viaRaw := dump(false), dump(true)
	if viaRaw != viaDriver {
		t.Fatalf("through SQLite's API:\n%s\nthrough the driver:\n%s", viaRaw, viaDriver)
	}
	if strings.Count(viaRaw, "\n") != len(rows) || !strings.Contains(viaRaw, "text:'gm 🚀 ") || !strings.Contains(viaRaw, "null") {
		t.Fatalf("unexpected dump:\n%s", viaRaw)
	}
}
