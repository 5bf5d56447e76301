package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, expr, tz string) *Schedule {
	t.Helper()
	s, err := Parse(expr, tz)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestNextAndInterval(t *testing.T) {
	for _, tc := range []struct {
		expr, tz, after, next, prevStart string
	}{
		{"*/15 * * * *", "", "2026-11-28T10:07:00Z", "2026-11-28T10:15:00Z", "2026-11-28T10:00:00Z"},
		{"@hourly", "", "2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z", "2026-11-28T10:00:00Z"},
		{"@every 15m", "", "2026-11-28T10:07:30Z", "2026-11-28T10:15:00Z", "2026-11-28T10:00:00Z"},
		{"@every 4h", "", "2026-11-28T10:07:30Z", "2026-11-28T12:00:00Z", "2026-11-28T08:00:00Z"},
		{"@daily", "Asia/Tokyo", "2026-11-28T10:00:00Z", "2026-11-28T15:00:00Z", "2026-11-27T15:00:00Z"},
		// Weekdays at 09:00 New York: Monday's interval starts Friday.
		{"0 9 * * 1-5", "America/New_York", "2026-11-27T15:00:00Z", "2026-11-30T14:00:00Z", "2026-11-27T14:00:00Z"},
		{"@monthly", "", "2026-11-28T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z"},
	} {
		s := mustParse(t, tc.expr, tc.tz)
		n := s.Next(utc(tc.after))
		if !n.Equal(utc(tc.next)) {
			t.Errorf("%s %s: Next(%s) = %s, want %s", tc.expr, tc.tz, tc.after, n.Format(time.RFC3339), tc.next)
			continue
		}
		iv := s.Interval(n)
		if !iv.Start.Equal(utc(tc.prevStart)) || !iv.End.Equal(n) {
			t.Errorf("%s %s: Interval(%s) = %s, want start %s", tc.expr, tc.tz, n.Format(time.RFC3339), iv, tc.prevStart)
		}
	}
}

// Clocks fall back in New York on 2026-11-01 at 02:00 EDT -> 01:00 EST:
// 01:30 happens twice. A daily 01:30 job runs once that day.
func TestFallBackFiresOnce(t *testing.T) {
	s := mustParse(t, "30 1 * * *", "America/New_York")
	slots, _ := s.Slots(utc("2026-10-31T12:00:00Z"), utc("2026-11-03T12:00:00Z"), 0)
	want := []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"}
	if got := fmtAll(slots); got != strings.Join(want, " ") {
		t.Errorf("slots %s, want %s", got, strings.Join(want, " "))
	}
	// An hourly schedule still fires every real hour through the repeat:
	// the two 01:00 slots are different instants, each an hour of data.
	h := mustParse(t, "0 * * * *", "America/New_York")
	hs, _ := h.Slots(utc("2026-11-01T04:30:00Z"), utc("2026-11-01T07:30:00Z"), 0)
	if got := fmtAll(hs); got != "2026-11-01T05:00:00Z 2026-11-01T06:00:00Z 2026-11-01T07:00:00Z" {
		t.Errorf("hourly over fall back: %s", got)
	}
}

// Clocks spring forward in New York on 2026-03-08 at 02:00 EST -> 03:00
// EDT: 02:30 does not exist that day. The job runs once, after the gap.
func TestSpringForwardFiresOnce(t *testing.T) {
	s := mustParse(t, "30 2 * * *", "America/New_York")
	slots, _ := s.Slots(utc("2026-03-07T12:00:00Z"), utc("2026-03-09T12:00:00Z"), 0)
	if len(slots) != 2 {
		t.Fatalf("slots %s: want one on the 8th and one on the 9th", fmtAll(slots))
	}
	if d := slots[0].In(s.Location()); d.Day() != 8 || d.Hour() != 3 {
		t.Errorf("spring-forward slot at %s local, want 03:xx on the 8th", d)
	}
	if !slots[1].Equal(utc("2026-03-09T06:30:00Z")) {
		t.Errorf("next day slot %s", slots[1].Format(time.RFC3339))
	}
	// Data intervals tile: each starts where the previous ended.
	for i := 1; i < len(slots); i++ {
		if iv := s.Interval(slots[i]); !iv.Start.Equal(slots[i-1]) {
			t.Errorf("interval of %s starts %s, want %s", slots[i], iv.Start, slots[i-1])
		}
	}
}

func TestSlotsLimit(t *testing.T) {
	s := mustParse(t, "@hourly", "")
	slots, more := s.Slots(utc("2026-11-28T00:00:00Z"), utc("2026-11-28T10:00:00Z"), 3)
	if !more || fmtAll(slots) != "2026-11-28T01:00:00Z 2026-11-28T02:00:00Z 2026-11-28T03:00:00Z" {
		t.Errorf("%s more=%v", fmtAll(slots), more)
	}
	all, more := s.Slots(utc("2026-11-28T00:00:00Z"), utc("2026-11-28T10:00:00Z"), 0)
	if more || len(all) != 10 {
		t.Errorf("%d slots, more=%v", len(all), more)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ expr, tz, want string }{
		{"* * *", "", "want 5 fields"},
		{"61 * * * *", "", "61"},
		{"@every 30s", "", "at least 1m"},
		{"@every banana", "", "invalid duration"},
		{"@hourly", "Mars/Olympus", "time zone \"Mars/Olympus\""},
		{"", "", "empty schedule"},
		{"CRON_TZ=UTC 0 * * * *", "", "timezone key"},
	} {
		_, err := Parse(tc.expr, tc.tz)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q, %q) = %v, want error containing %q", tc.expr, tc.tz, err, tc.want)
		}
	}
}

func fmtAll(ts []time.Time) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.UTC().Format(time.RFC3339))
	}
	return strings.Join(s, " ")
}
