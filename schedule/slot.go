package schedule

import (
	"fmt"
	"time"

	"memepipe/pipeline"
)

// SlotInterval is the data interval of the run an external scheduler
// (a Temporal Schedule, EventBridge, cron) fired at slot: the interval that
// ends at the last slot at or before it. A scheduled pipeline's slots come
// from its cron expression expr in time zone tz; an unscheduled one's are
// multiples of every (its interval length) since the epoch. Firing a little
// late (a busy scheduler, a cold Lambda) names the same interval; firing a
// little early would name the previous one, which only resumes that run.
func SlotInterval(expr, tz string, every time.Duration, slot time.Time) (pipeline.Interval, error) {
	if slot.IsZero() {
		return pipeline.Interval{}, fmt.Errorf("no slot time")
	}
	if expr == "" {
		if every <= 0 {
			return pipeline.Interval{}, fmt.Errorf("no schedule and no interval length")
		}
		end := slot.UTC().Truncate(every)
		return pipeline.Interval{Start: end.Add(-every), End: end}, nil
	}
	s, err := Parse(expr, tz)
	if err != nil {
		return pipeline.Interval{}, err
	}
	end := s.Prev(slot.Add(time.Nanosecond))
	if end.IsZero() {
		return pipeline.Interval{}, fmt.Errorf("schedule %q has no slot before %s", expr, slot.UTC().Format(time.RFC3339))
	}
	start := s.Prev(end)
	if start.IsZero() {
		return pipeline.Interval{}, fmt.Errorf("schedule %q has no slot before %s", expr, end.UTC().Format(time.RFC3339))
	}
	return pipeline.NewInterval(start, end)
}
