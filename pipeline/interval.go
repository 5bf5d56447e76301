package pipeline

import (
	"fmt"
	"time"
)

// Interval is a run's data interval [Start, End), in UTC, as in Airflow.
// Collectors ask the APIs for it, cleaners read its raw objects, analytics
// key their results by it. Re-running an interval yields the same rows.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// NewInterval returns [start, end) in UTC, or an error when end is not after start.
func NewInterval(start, end time.Time) (Interval, error) {
	iv := Interval{Start: start.UTC(), End: end.UTC()}
	if !iv.End.After(iv.Start) {
		return Interval{}, fmt.Errorf("interval end %s is not after start %s", iv.End.Format(time.RFC3339), iv.Start.Format(time.RFC3339))
	}
	return iv, nil
}

// Contains reports whether t lies in [Start, End).
func (iv Interval) Contains(t time.Time) bool {
	return !t.Before(iv.Start) && t.Before(iv.End)
}

// Duration is End - Start.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// IsZero reports whether the interval is unset.
func (iv Interval) IsZero() bool { return iv.Start.IsZero() && iv.End.IsZero() }

func (iv Interval) String() string {
	return "[" + iv.Start.UTC().Format(time.RFC3339) + ", " + iv.End.UTC().Format(time.RFC3339) + ")"
}

// Truncate returns the interval of length d that ends at the last multiple of
// d (counted from Go's zero time, 0001-01-01 UTC, as time.Time.Truncate does)
// at or before t: the "last complete slot" a manual run covers by default, so
// two manual runs in one slot share one run. For any d that divides a day
// this is the same as counting from the Unix epoch; weekly slots start on a
// Monday (the zero time's weekday), not on the epoch's Thursday.
func Truncate(t time.Time, d time.Duration) Interval {
	end := t.UTC().Truncate(d)
	return Interval{Start: end.Add(-d), End: end}
}
