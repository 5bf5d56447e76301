// Package column says how Go values are written to and read from columns,
// the same way for both dialects, so that a value read back from SQLite is
// the value read back from PostgreSQL.
//
//   - Times are UTC, truncated to the microsecond (PostgreSQL's timestamptz
//     precision). SQLite has no time type; there they are TEXT in one
//     fixed-width layout, "2006-01-02T15:04:05.000000Z", which sorts and
//     compares as a string exactly as the instants do (so indexes, ORDER BY
//     and "heartbeat_at < ?" work on the text) and which SQLite's own date
//     functions and a human with the sqlite3 shell can read.
//   - Free text (errors, logs) is made valid UTF-8 without NUL bytes:
//     PostgreSQL's text type rejects both, and a command's output may contain
//     anything. Invalid bytes and NULs become U+FFFD in both dialects.
package column

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeLayout is how SQLite stores times.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Time normalizes t for storage: UTC, microsecond precision, no monotonic
// clock reading.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// TimePtr normalizes *t, keeping nil.
func TimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := Time(*t)
	return &n
}

// ZeroNull is nil for the zero time (stored as NULL), else &t normalized.
func ZeroNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	n := Time(t)
	return &n
}

// TimeText is t in SQLite's stored form.
func TimeText(t time.Time) string {
	var b [len(TimeLayout)]byte
	return string(AppendTimeText(b[:0], t))
}

// AppendTimeText appends TimeText(t) to dst: the layout written digit by
// digit (a writer formats two times per post; time.Format parses its
// layout every call).
func AppendTimeText(dst []byte, t time.Time) []byte {
	t = Time(t)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, TimeLayout)
	}
	hour, min, sec := t.Clock()
	d := func(n, width int) { // n in width digits, zero-padded
		at := len(dst)
		dst = append(dst, "000000"[:width]...)
		for i := at + width - 1; i >= at; i-- {
			dst[i] = byte('0' + n%10)
			n /= 10
		}
	}
	d(year, 4)
	dst = append(dst, '-')
	d(int(month), 2)
	dst = append(dst, '-')
	d(day, 2)
	dst = append(dst, 'T')
	d(hour, 2)
	dst = append(dst, ':')
	d(min, 2)
	dst = append(dst, ':')
	d(sec, 2)
	dst = append(dst, '.')
	d(t.Nanosecond()/1000, 6)
	return append(dst, 'Z')
}

// NullTimeText is *t in SQLite's stored form, or nil (SQL NULL).
func NullTimeText(t *time.Time) any {
	if t == nil {
		return nil
	}
	return TimeText(*t)
}

// ParseTimeText reads a time SQLite stored with TimeText.
func ParseTimeText(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// TextTime scans a TEXT time column (possibly NULL) written by TimeText.
type TextTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *TextTime) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case nil:
		*t = TextTime{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time: // a driver that already parsed it
		*t = TextTime{Time: Time(v), Valid: true}
		return nil
	default:
		return fmt.Errorf("stored time: unexpected %T", v)
	}
	tm, err := ParseTimeText(s)
	if err != nil {
		return err
	}
	*t = TextTime{Time: tm, Valid: true}
	return nil
}

// Ptr is the scanned time, or nil for NULL.
func (t TextTime) Ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// Value implements driver.Valuer, so a TextTime can also be written.
func (t TextTime) Value() (driver.Value, error) {
	if !t.Valid {
		return nil, nil
	}
	return TimeText(t.Time), nil
}

// Text makes s storable as text in both dialects: invalid UTF-8 sequences
// and NUL bytes become U+FFFD.
func Text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s // the common case, checked faster than ToValidUTF8 does
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// IsDecimal reports whether s is an exact decimal as the canonical
// numeric columns hold them: an optional minus, digits, and optionally a
// point and more digits ("-12.5"; no exponent, no spaces, no NaN). Both
// dialects refuse anything else, so a bad amount fails the same way on
// SQLite (which would store any text) as on PostgreSQL.
func IsDecimal(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	intPart, frac, dot := strings.Cut(s, ".")
	return allDigits(intPart) && (!dot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AppendStringsJSON appends ss as a JSON array, byte for byte what
// json.Marshal writes for a non-nil []string (HTML characters, U+2028
// and U+2029 escaped, invalid UTF-8 as \ufffd): how both dialects store
// list columns. Without json.Marshal's reflection, for the writers' hot
// path.
func AppendStringsJSON(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
