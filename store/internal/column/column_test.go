package column

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimeText(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 28, 13, 0, 0, 0, est), "2026-11-28T18:00:00.000000Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), "2026-01-02T03:04:05.123456Z"},
		{time.Date(1999, 12, 31, 23, 59, 59, 999, time.UTC), "1999-12-31T23:59:59.000000Z"},
	}
	for _, c := range cases {
		got := TimeText(c.in)
		if got != c.want {
			t.Errorf("TimeText(%s) = %q, want %q", c.in, got, c.want)
		}
		back, err := ParseTimeText(got)
		if err != nil || !back.Equal(Time(c.in)) || back.Location() != time.UTC {
			t.Errorf("ParseTimeText(%q) = %s, %v; want %s UTC", got, back, err, Time(c.in))
		}
	}
	// Text order is time order, which indexes and comparisons rely on.
	base := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	var texts []string
	for _, d := range []time.Duration{0, time.Microsecond, time.Millisecond, time.Second, time.Hour, 24 * time.Hour * 400} {
		texts = append(texts, TimeText(base.Add(d)))
	}
	if !slices.IsSorted(texts) {
		t.Errorf("time texts out of order: %v", texts)
	}
	if _, err := ParseTimeText("2026-11-28 18:00:00"); err == nil {
		t.Errorf("ParseTimeText of another layout: no error")
	}
}

func TestTextTimeScan(t *testing.T) {
	var tt TextTime
	if err := tt.Scan(nil); err != nil || tt.Valid || tt.Ptr() != nil {
		t.Errorf("Scan(nil) = %+v, %v; want invalid", tt, err)
	}
	if err := tt.Scan([]byte("2026-11-28T18:00:00.000001Z")); err != nil || !tt.Valid || tt.Time.Nanosecond() != 1000 {
		t.Errorf("Scan(bytes) = %+v, %v", tt, err)
	}
	if err := tt.Scan(42); err == nil {
		t.Errorf("Scan(42): no error")
	}
}

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"ünïcødé 🚀 日本", "ünïcødé 🚀 日本"},
		{"a\x00b", "a\uFFFDb"},
		{"bad \xc3\x28 seq", "bad \uFFFD( seq"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsDecimal(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "12": true, "-12.5": true, "115792089237316195423570985008687907853269984665640564039457584007913129639935": true,
		"": false, "-": false, ".5": false, "5.": false, "1e5": false, "NaN": false, " 1": false, "12x": false, "1.2.3": false, "+1": false,
	} {
		if got := IsDecimal(s); got != want {
			t.Errorf("IsDecimal(%q) = %v, want %v", s, got, want)
		}
	}
}

// AppendStringsJSON writes what json.Marshal writes, for every byte string
// (quotes, backslashes, control bytes, HTML characters, U+2028, invalid
// UTF-8, emoji).
func FuzzStringsJSON(f *testing.F) {
	for _, s := range []string{"", "PEPE", `a"b\c`, "\x00\x01\b\f\n\r\t\x1f\x7f", "<a href='x'>&amp;</a>",
		"\u2028\u2029", "\xff\xfe bad \xc3", "🚀 gm", "ethereum:0x6982508145454Ce325dDbE47a25d4ec3d2311933"} {
		f.Add(s, "second")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, ss := range [][]string{{}, {a}, {a, b}, {b, a, a}} {
			want, err := json.Marshal(ss)
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendStringsJSON(nil, ss); string(got) != string(want) {
				t.Fatalf("AppendStringsJSON(%q) = %s, json.Marshal %s", ss, got, want)
			}
		}
	})
}

// TimeText writes what time.Format writes with TimeLayout, for any
// instant and zone, years outside 0-9999 included.
func FuzzTimeText(f *testing.F) {
	for _, sec := range []int64{0, -62135596800, 253402300799, 1764331200, -62167219200, 253402300800, -1, 1 << 40} {
		f.Add(sec, int64(123456789), 0)
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int) {
		tm := time.Unix(sec, nsec%1e9).In(time.FixedZone("z", offset%(24*3600)))
		want := tm.UTC().Truncate(time.Microsecond).Format(TimeLayout)
		if got := TimeText(tm); got != want {
			t.Fatalf("TimeText(%v) = %q, want %q", tm, got, want)
		}
	})
}

// Text returns valid UTF-8 without NULs unchanged and repairs the rest as
// before the fast path.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "ok", "nul\x00", "\xff", "é🚀", "a\x00\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
		if got := Text(s); got != want {
			t.Fatalf("Text(%q) = %q, want %q", s, got, want)
		}
	})
}
