package postgres

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/store/internal/column"
	"memepipe/store/internal/tables"
)

// copySQL is the COPY statement copyReader's data is for.
func copySQL(table string, t *tables.Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = tables.Quote(c.Name)
	}
	return "COPY " + tables.Quote(table) + " (" + strings.Join(cols, ", ") + ") FROM STDIN BINARY"
}

// copyReader streams rows in PostgreSQL's binary COPY format, encoded as
// the connection reads them (a chunk at a time: memory is one chunk, not
// the batch). Each column is written in the binary form of the type the
// migrations give its Kind (tables.SQLType): text, numeric, bigint, double
// precision, boolean, timestamptz. Encoding by hand instead of through
// pgx's CopyFrom skips, per value, boxing into an interface, the codec
// lookup, and for numerics a parse into big.Int and back; and per COPY,
// the round trip pgx makes to look up the column types.
//
// A value the columns cannot hold (a malformed decimal) stops the stream:
// err names the row and column, and Read returns it, which makes the
// connection abort the COPY.
type copyReader struct {
	t    *tables.Table
	rows []canonical.Row
	next int
	buf  []byte
	off  int
	end  bool // trailer written
	enc  binaryRow
	err  error
}

func newCopyReader(t *tables.Table, rows []canonical.Row) *copyReader {
	c := &copyReader{t: t, rows: rows}
	c.buf = append(c.buf, "PGCOPY\n\xff\r\n\x00"...)
	c.buf = binary.BigEndian.AppendUint32(c.buf, 0) // flags
	c.buf = binary.BigEndian.AppendUint32(c.buf, 0) // header extension length
	return c
}

func (c *copyReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.off > 0 {
		c.buf = c.buf[:copy(c.buf, c.buf[c.off:])]
		c.off = 0
	}
	for len(c.buf) < len(p) && !c.end {
		if c.next == len(c.rows) {
			c.buf = binary.BigEndian.AppendUint16(c.buf, 0xffff) // -1: end of data
			c.end = true
			break
		}
		r := c.rows[c.next]
		c.enc = binaryRow{t: c.t, buf: binary.BigEndian.AppendUint16(c.buf, uint16(len(c.t.Columns)))}
		if err := c.t.Encode(r, &c.enc); err != nil {
			c.err = err
			return 0, err
		}
		if c.enc.err != nil {
			c.err = fmt.Errorf("canonical %s %s: %w", c.t.Name, r.Key(), c.enc.err)
			return 0, c.err
		}
		c.buf = c.enc.buf
		c.next++
	}
	n := copy(p, c.buf)
	c.off = n
	if n == 0 && c.end {
		return 0, io.EOF
	}
	return n, nil
}

// binaryRow appends one row's fields (a tables.Encoder).
type binaryRow struct {
	t   *tables.Table
	col int
	buf []byte
	err error
}

func (b *binaryRow) null() {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 0xffffffff) // length -1
	b.col++
}

func (b *binaryRow) bytes(s string) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, uint32(len(s)))
	b.buf = append(b.buf, s...)
	b.col++
}

func (b *binaryRow) int8(v uint64) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 8)
	b.buf = binary.BigEndian.AppendUint64(b.buf, v)
	b.col++
}

func (b *binaryRow) Text(s string) { b.bytes(column.Text(s)) }

func (b *binaryRow) Numeric(s string) {
	if !column.IsDecimal(s) || len(s) > maxNumericLen {
		if b.err == nil {
			b.err = fmt.Errorf("%s: %q is not a decimal", b.t.Columns[b.col].Name, clip(s))
		}
		b.null()
		return
	}
	at := len(b.buf)
	b.buf = binary.BigEndian.AppendUint32(b.buf, 0)
	b.buf = appendNumeric(b.buf, s)
	binary.BigEndian.PutUint32(b.buf[at:], uint32(len(b.buf)-at-4))
	b.col++
}

func (b *binaryRow) Int(v int64)     { b.int8(uint64(v)) }
func (b *binaryRow) Float(v float64) { b.int8(math.Float64bits(v)) }

func (b *binaryRow) Bool(v bool) {
	b.buf = binary.BigEndian.AppendUint32(b.buf, 1)
	if v {
		b.buf = append(b.buf, 1)
	} else {
		b.buf = append(b.buf, 0)
	}
	b.col++
}

// pgEpochMicros is 2000-01-01T00:00:00Z, timestamptz's zero, in Unix µs.
const pgEpochMicros = 946684800 * 1_000_000

func (b *binaryRow) Time(v time.Time) {
	v = column.Time(v)
	b.int8(uint64(v.Unix()*1_000_000 + int64(v.Nanosecond()/1000) - pgEpochMicros))
}

func (b *binaryRow) IntPtr(v *int64) {
	if v == nil {
		b.null()
		return
	}
	b.Int(*v)
}

func (b *binaryRow) FloatPtr(v *float64) {
	if v == nil {
		b.null()
		return
	}
	b.Float(*v)
}

func (b *binaryRow) BoolPtr(v *bool) {
	if v == nil {
		b.null()
		return
	}
	b.Bool(*v)
}

func (b *binaryRow) TimePtr(v *time.Time) {
	if v == nil {
		b.null()
		return
	}
	b.Time(*v)
}

func (b *binaryRow) Strings(v []string) {
	if v == nil {
		b.null()
		return
	}
	at := len(b.buf)
	b.buf = binary.BigEndian.AppendUint32(b.buf, 0)
	b.buf = column.AppendStringsJSON(b.buf, v)
	binary.BigEndian.PutUint32(b.buf[at:], uint32(len(b.buf)-at-4))
	b.col++
}

// maxNumericLen bounds the decimals sent: numeric holds up to 16,383
// digits after the point (and the binary form counts them in an int16).
const maxNumericLen = 16383

// appendNumeric appends decimal s (column.IsDecimal) in numeric's binary
// form: ndigits, weight, sign, dscale (int16 each), then ndigits base-10000
// digits, most significant first; weight is the power of 10000 of the
// first digit. The scale is the number of fraction digits written, as
// numeric's text input keeps it ("1.50" has scale 2).
func appendNumeric(dst []byte, s string) []byte {
	sign := uint16(0x0000)
	if s[0] == '-' {
		sign, s = 0x4000, s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	dscale := len(frac)
	// Groups of four digits aligned on the decimal point: the integer
	// part padded on the left, the fraction on the right.
	lead := (4 - len(intPart)%4) % 4
	tail := (4 - len(frac)%4) % 4
	total := lead + len(intPart) + len(frac) + tail
	digit := func(i int) uint16 { // the i-th digit of the padded string
		i -= lead
		switch {
		case i < 0:
			return 0
		case i < len(intPart):
			return uint16(intPart[i] - '0')
		case i < len(intPart)+len(frac):
			return uint16(frac[i-len(intPart)] - '0')
		}
		return 0
	}
	groups := total / 4
	weight := (lead+len(intPart))/4 - 1
	group := func(g int) uint16 {
		return digit(4*g)*1000 + digit(4*g+1)*100 + digit(4*g+2)*10 + digit(4*g+3)
	}
	// Leading and trailing zero groups are not written.
	first, last := 0, groups
	for first < last && group(first) == 0 {
		first++
	}
	for last > first && group(last-1) == 0 {
		last--
	}
	if first == last { // zero
		sign, weight = 0, 0
	} else {
		weight -= first
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(last-first))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(dscale))
	for g := first; g < last; g++ {
		dst = binary.BigEndian.AppendUint16(dst, group(g))
	}
	return dst
}
