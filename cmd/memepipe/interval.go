package main

import (
	"fmt"
	"strings"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
)

// parseTime reads a --start/--end value:
//
//	2026-11-28T18:00:00Z, 2026-11-28T18:00:00+01:00   RFC 3339
//	2026-11-28T18:00, 2026-11-28 18:00, 2026-11-28     in the pipeline's time zone
//	now, -24h, -7d, -90m                               relative to now
//
// Relative times are rounded down to a multiple of step (the pipeline's
// interval), so `--start -24h --end now` means the last 24 complete slots
// and names the same run all through the current slot.
func parseTime(s string, now time.Time, loc *time.Location, step time.Duration) (time.Time, error) {
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
		return t.UTC().Truncate(step), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-28T18:00:00Z), 2026-11-28T18:00, 2026-11-28, now, or -24h", s)
}

// runInterval picks the data interval of a manual run. With neither flag,
// it is the last complete slot of the pipeline's interval, so two manual
// runs within one slot share one run (and the second resumes the first).
// With one flag, the other is one interval away.
func runInterval(startFlag, endFlag string, p *config.Pipeline, now time.Time) (pipeline.Interval, error) {
	step := p.Interval.D()
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if startFlag == "" && endFlag == "" {
		return pipeline.Truncate(now, step), nil
	}
	var start, end time.Time
	if startFlag != "" {
		if start, err = parseTime(startFlag, now, loc, step); err != nil {
			return pipeline.Interval{}, usageError("--start %v", err)
		}
	}
	if endFlag != "" {
		if end, err = parseTime(endFlag, now, loc, step); err != nil {
			return pipeline.Interval{}, usageError("--end %v", err)
		}
	}
	switch {
	case startFlag == "":
		start = end.Add(-step)
	case endFlag == "":
		end = start.Add(step)
	}
	iv, err := pipeline.NewInterval(start, end)
	if err != nil {
		return pipeline.Interval{}, usageError("%v", err)
	}
	return iv, nil
}
