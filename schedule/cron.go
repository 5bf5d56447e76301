// Package schedule turns a pipeline's cron expression into schedule slots
// and data intervals, and plans which slots to run after downtime.
//
// A slot is the time a schedule fires; the run it starts covers the data
// interval that ends there, [previous slot, slot), as in Airflow: the
// 10:00 run of an hourly pipeline collects 09:00-10:00, once that hour is
// complete.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"memepipe/pipeline"
)

// Schedule is a parsed cron expression in a time zone.
type Schedule struct {
	expr  string
	loc   *time.Location
	every time.Duration // @every D: slots at multiples of D since the Unix epoch
	spec  cron.Schedule
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a 5-field cron expression ("*/15 * * * *"), a macro
// (@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually) or
// "@every D" (D a Go duration of at least a minute), in the named time zone
// ("" is UTC). The error says what is wrong and shows the accepted forms.
func Parse(expr, tz string) (*Schedule, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("time zone %q: %v", tz, err)
		}
		loc = l
	}
	e := strings.TrimSpace(expr)
	if e == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	s := &Schedule{expr: e, loc: loc}
	if rest, ok := strings.CutPrefix(e, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %v", expr, err)
		}
		if d < time.Minute || d%time.Minute != 0 {
			return nil, fmt.Errorf("schedule %q: @every needs a whole number of minutes, at least 1m", expr)
		}
		s.every = d
		return s, nil
	}
	if strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: set the pipeline's timezone key instead of TZ= in the expression", expr)
	}
	spec, err := parser.Parse(e)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %v (want 5 fields \"min hour dom month dow\", a macro like @hourly, or \"@every 15m\")", expr, err)
	}
	s.spec = spec
	return s, nil
}

// String is the expression as given.
func (s *Schedule) String() string { return s.expr }

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first slot strictly after t.
//
// Daylight saving, as Vixie cron does it: a schedule that names its hours
// ("30 1 * * *") runs in wall-clock time, so when clocks fall back the
// repeated 01:30 fires once, and when they spring forward a 02:30 that does
// not exist fires once, at 03:30 (the same instant the old offset gives). A schedule that runs every hour
// ("0 * * * *", "*/15 * * * *") runs in real time: every real hour,
// including both 01:00s of a fall-back night. Either way consecutive data
// intervals tile time with no gap and no overlap.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Truncate(s.every).Add(s.every).UTC()
	}
	spec, ok := s.spec.(*cron.SpecSchedule)
	if !ok || spec.Hour&allHours == allHours || s.loc == time.UTC {
		return s.spec.Next(t.In(s.loc)).UTC()
	}
	wallSpec := *spec
	wallSpec.Location = time.UTC
	w := wallClock(t.In(s.loc))
	for i := 0; i < 1000; i++ {
		w = wallSpec.Next(w)
		if w.IsZero() {
			return w
		}
		// An ambiguous wall time maps to one of its two instants. One
		// inside a spring-forward gap maps to a different wall time; move
		// it forward by the gap so 02:30 runs at 03:30, the instant it
		// would have been without the change.
		n := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, s.loc)
		if gap := w.Sub(wallClock(n.In(s.loc))); gap > 0 {
			n = n.Add(gap)
		}
		if n.After(t) {
			return n.UTC()
		}
	}
	return time.Time{}
}

const allHours = 1<<24 - 1

// wallClock returns t's wall-clock reading as a UTC time.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Prev returns the last slot strictly before t (zero if none in ten years).
func (s *Schedule) Prev(t time.Time) time.Time {
	if s.every > 0 {
		p := t.Truncate(s.every)
		if !p.Before(t) {
			p = p.Add(-s.every)
		}
		return p.UTC()
	}
	// Search back with a doubling window: slots between t-w and t, keep the
	// last one before t.
	for w := time.Minute; w < 10*366*24*time.Hour; w *= 2 {
		var last time.Time
		for n := s.Next(t.Add(-w).Add(-time.Second)); !n.IsZero() && n.Before(t); n = s.Next(n) {
			last = n
		}
		if !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// Interval is the data interval a slot's run covers: [Prev(slot), slot).
func (s *Schedule) Interval(slot time.Time) pipeline.Interval {
	return pipeline.Interval{Start: s.Prev(slot), End: slot.UTC()}
}

// Slots returns the slots in (after, until], oldest first, at most max of
// them (max <= 0: no limit); more reports whether slots were left out.
func (s *Schedule) Slots(after, until time.Time, max int) (slots []time.Time, more bool) {
	for n := s.Next(after); !n.IsZero() && !n.After(until); n = s.Next(n) {
		if max > 0 && len(slots) == max {
			return slots, true
		}
		slots = append(slots, n)
	}
	return slots, false
}
