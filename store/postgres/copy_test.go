package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"memepipe/canonical"
	"memepipe/store/internal/column"
	"memepipe/store/storetest"
)

func TestAppendNumeric(t *testing.T) {
	cases := []struct {
		in   string
		want []uint16 // ndigits, weight, sign, dscale, digits...
	}{
		{"0", []uint16{0, 0, 0, 0}},
		{"-0.00", []uint16{0, 0, 0, 2}},
		{"7", []uint16{1, 0, 0, 0, 7}},
		{"007", []uint16{1, 0, 0, 0, 7}},
		{"10000", []uint16{1, 1, 0, 0, 1}},
		{"123456.789", []uint16{3, 1, 0, 3, 12, 3456, 7890}},
		{"-12.5", []uint16{2, 0, 0x4000, 1, 12, 5000}},
		{"0.0001", []uint16{1, 0xffff, 0, 4, 1}},
		{"0.00000012", []uint16{1, 0xfffe, 0, 8, 12}},
		{"1.50", []uint16{2, 0, 0, 2, 1, 5000}},
	}
	for _, c := range cases {
		b := appendNumeric(nil, c.in)
		var got []uint16
		for i := 0; i+1 < len(b); i += 2 {
			got = append(got, binary.BigEndian.Uint16(b[i:]))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("appendNumeric(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// Every decimal encodes to its value (read back by pgx's numeric codec)
// with its scale.
func FuzzAppendNumeric(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "0.5", "115792089237316195423570985008687907853269984665640564039457584007913129639935",
		"123456789.000000000000000001", "0000.0000", "99999999", "-0.000100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !column.IsDecimal(s) || len(s) > 1000 {
			return
		}
		enc := appendNumeric(nil, s)
		var n pgtype.Numeric
		if err := pgtype.NewMap().Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, enc, &n); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want, _ := new(big.Rat).SetString(s)
		got := new(big.Rat).SetInt(n.Int)
		e := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n.Exp))), nil)
		if n.Exp >= 0 {
			got.Mul(got, new(big.Rat).SetInt(e))
		} else {
			got.Quo(got, new(big.Rat).SetInt(e))
		}
		if got.Cmp(want) != 0 {
			t.Fatalf("%q encodes %s", s, got.FloatString(20))
		}
		_, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		if dscale := int(binary.BigEndian.Uint16(enc[6:])); dscale != len(frac) {
			t.Fatalf("%q: dscale %d, want %d", s, dscale, len(frac))
		}
	})
}

func abs(n int32) int32 {
	if n < 0 {
		return -n
	}
	return n
}

// Rows COPYed in the binary format read back as PostgreSQL's own text
// input of the same values gives: numerics with their scale, times to the
// microsecond at the ends of the supported years, float edge values, both
// through the direct COPY (a large batch of new keys) and the staging
// table (a small one).
func TestCopyBinaryMatchesTextInput(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	decimals := []string{"0", "-0.00", "007", "1.50", "-12.5", "0.0001", "123456789.000000000000000001",
		"115792089237316195423570985008687907853269984665640564039457584007913129639935", "99999999.99990000"}
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 1000, time.FixedZone("x", 3600)),
	}
	floats := []float64{0, math.Copysign(0, -1), 1e-300, math.MaxFloat64, math.Inf(1), math.Inf(-1), 0.1}
	row := func(i int) canonical.Transfer {
		return canonical.Transfer{Chain: "ethereum", TxHash: fmt.Sprintf("0x%064x", i), LogIndex: int64(i),
			BlockNumber: math.MaxInt64 - int64(i), TxIndex: -int64(i), TS: times[i%len(times)],
			TokenAddress: "tab\there\nnew line \\ back", Token: "ünïcödé 🚀", FromAddress: "a", ToAddress: "b",
			ValueRaw: decimals[i%len(decimals)], Value: decimals[(i+1)%len(decimals)], ValueFloat: floats[i%len(floats)],
			Decimals: i % 19, Source: ""}
	}
	for _, n := range []int{5000, 40} { // direct COPY, then the staging table
		w, err := s.BeginCanonical(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if err := w.Write(ctx, row(100000*n+i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	checked := 0
	for _, n := range []int{5000, 40} {
		for i := range min(n, 200) {
			r := row(100000*n + i)
			var raw, val, tsGot, tsWant, tok, addr string
			var fl float64
			var dec, block, txIndex int64
			err := conn.QueryRow(ctx, `SELECT value_raw::text, value::text, ts::text, $2::timestamptz::text, token, token_address,
				value_float, decimals, block_number, tx_index FROM transfers WHERE tx_hash = $1`,
				r.TxHash, r.TS.UTC().Truncate(time.Microsecond).Format("2006-01-02 15:04:05.999999Z07:00")).
				Scan(&raw, &val, &tsGot, &tsWant, &tok, &addr, &fl, &dec, &block, &txIndex)
			if err != nil {
				t.Fatal(err)
			}
			var wantRaw, wantVal string
			if err := conn.QueryRow(ctx, `SELECT $1::numeric::text, $2::numeric::text`, r.ValueRaw, r.Value).Scan(&wantRaw, &wantVal); err != nil {
				t.Fatal(err)
			}
			if raw != wantRaw || val != wantVal || tsGot != tsWant || tok != r.Token || addr != r.TokenAddress ||
				math.Float64bits(fl) != math.Float64bits(r.ValueFloat) || dec != int64(r.Decimals) || block != r.BlockNumber || txIndex != r.TxIndex {
				t.Fatalf("row %d: got %q %q %s %q %q %v %d %d %d, want %q %q %s %+v", i, raw, val, tsGot, tok, addr, fl, dec, block, txIndex, wantRaw, wantVal, tsWant, r)
			}
			checked++
		}
	}
	if checked != 240 {
		t.Fatalf("checked %d rows", checked)
	}
}

// A malformed decimal fails the COPY as the row's fault, naming the row
// and column.
func TestCopyBadDecimalIsRowError(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, err := s.BeginCanonical(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Rollback(ctx)
	bad := canonical.Transfer{Chain: "ethereum", TxHash: "0xbad", ValueRaw: "1e18", Value: "1", TS: time.Now()}
	err = w.Write(ctx, bad)
	if err == nil {
		err = w.Flush(ctx)
	}
	if err == nil || !strings.Contains(err.Error(), `value_raw: "1e18" is not a decimal`) || !strings.Contains(err.Error(), "0xbad") {
		t.Fatalf("err = %v", err)
	}
}

// Migration 00011: the tweets primary key leads with the token (as on
// SQLite), and upserts by (tweet_id, token) still find it.
func TestTweetsTokenFirstKey(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var cols []string
	err = conn.QueryRow(ctx, `SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
		FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = 'tweets'::regclass AND i.indisprimary`).Scan(&cols)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cols) != "[token tweet_id]" {
		t.Fatalf("tweets primary key = %v", cols)
	}
	tw := canonical.Tweet{TweetID: "1", Token: "ethereum:0xabc", Text: "a", CreatedAt: time.Now()}
	for _, text := range []string{"a", "b"} {
		tw.Text = text
		w, err := s.BeginCanonical(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ctx, tw); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var text string
	if err := conn.QueryRow(ctx, "SELECT count(*), max(text) FROM tweets").Scan(&n, &text); err != nil || n != 1 || text != "b" {
		t.Fatalf("after two upserts: %d rows, text %q, %v", n, text, err)
	}
}
