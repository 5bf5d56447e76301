package main

import (
	"fmt"
	"strings"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/schedule"
)

// slots says where a pipeline's data intervals start and end: multiples
// of its interval since the epoch, or its cron schedule's slots.
type slots interface {
	floor(t time.Time) time.Time // the last boundary at or before t
	next(t time.Time) time.Time  // the first boundary after t
	prev(t time.Time) time.Time  // the last boundary before t
}

type fixedSlots time.Duration

func (f fixedSlots) floor(t time.Time) time.Time { return t.UTC().Truncate(time.Duration(f)) }
func (f fixedSlots) next(t time.Time) time.Time  { return f.floor(t).Add(time.Duration(f)) }
func (f fixedSlots) prev(t time.Time) time.Time {
	if fl := f.floor(t); fl.Before(t) {
		return fl
	}
	return t.Add(-time.Duration(f))
}

type cronSlots struct{ s *schedule.Schedule }

func (c cronSlots) floor(t time.Time) time.Time { return c.s.Prev(t.Add(time.Nanosecond)).UTC() }
func (c cronSlots) next(t time.Time) time.Time  { return c.s.Next(t).UTC() }
func (c cronSlots) prev(t time.Time) time.Time  { return c.s.Prev(t).UTC() }

func pipelineSlots(p *config.Pipeline) (slots, error) {
	if p.Schedule == "" {
		return fixedSlots(p.Interval.D()), nil
	}
	s, err := schedule.Parse(p.Schedule, p.Timezone)
	if err != nil {
		return nil, err
	}
	return cronSlots{s}, nil
}

// parseTime reads a --start/--end value:
//
//	2026-11-28T18:00:00Z, 2026-11-28T18:00:00+01:00   RFC 3339
//	2026-11-28T18:00, 2026-11-28 18:00, 2026-11-28     in the pipeline's time zone
//	now, -24h, -7d, -90m                               relative to now
//
// Relative times are rounded down to a slot boundary (a multiple of the
// pipeline's interval, or a schedule slot), so `--start -24h --end now`
// means the last 24 complete hours and names the same run all through the
// current slot.
func parseTime(s string, now time.Time, loc *time.Location, sl slots) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		t := now
		if s != "now" {
			d, err := config.ParseDuration(strings.TrimPrefix(s, "+"))
			if strings.HasPrefix(s, "-") {
				d, err = config.ParseDuration(s[1:])
				d = -d
			}
			if err != nil {
				return time.Time{}, fmt.Errorf("%q: %v", s, err)
			}
			t = now.Add(d.D())
		}
		return sl.floor(t), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-28T18:00:00Z), 2026-11-28T18:00, 2026-11-28, now, or -24h", s)
}

// runInterval picks the data interval of a manual run. With neither flag,
// it is the last complete slot (of the pipeline's interval length, or
// between its schedule's last two slots), so two manual runs within one
// slot share one run, and a manual run of a scheduled pipeline is the run
// the scheduler made or will make. With one flag, the other is one slot away.
func runInterval(startFlag, endFlag string, p *config.Pipeline, now time.Time) (pipeline.Interval, error) {
	sl, err := pipelineSlots(p)
	if err != nil {
		return pipeline.Interval{}, usageError("pipeline %s: %v", p.Name, err)
	}
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		loc = time.UTC
	}
	var start, end time.Time
	if startFlag != "" {
		if start, err = parseTime(startFlag, now, loc, sl); err != nil {
			return pipeline.Interval{}, usageError("--start %v", err)
		}
	}
	if endFlag != "" {
		if end, err = parseTime(endFlag, now, loc, sl); err != nil {
			return pipeline.Interval{}, usageError("--end %v", err)
		}
	}
	switch {
	case startFlag == "" && endFlag == "":
		end = sl.floor(now)
		start = sl.prev(end)
	case startFlag == "":
		start = sl.prev(end)
	case endFlag == "":
		end = sl.next(start)
	}
	iv, err := pipeline.NewInterval(start, end)
	if err != nil {
		return pipeline.Interval{}, usageError("%v", err)
	}
	return iv, nil
}
