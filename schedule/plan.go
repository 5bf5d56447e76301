package schedule

import (
	"fmt"
	"time"
)

// Overlap says what happens to a slot that comes due while the pipeline
// already has max_active_runs runs going.
type Overlap string

const (
	OverlapSkip      Overlap = "skip"       // drop the slot (counted as skipped)
	OverlapBufferOne Overlap = "buffer_one" // keep one waiting slot; drop the rest
	OverlapAllow     Overlap = "allow"      // keep every slot waiting, start them in order
)

// ParseOverlap parses an overlap policy; "" is skip.
func ParseOverlap(s string) (Overlap, error) {
	switch Overlap(s) {
	case "":
		return OverlapSkip, nil
	case OverlapSkip, OverlapBufferOne, OverlapAllow:
		return Overlap(s), nil
	}
	return "", fmt.Errorf("unknown overlap policy %q (want skip, buffer_one or allow)", s)
}

// Policy is a pipeline's catch-up and concurrency policy.
type Policy struct {
	// CatchupWindow: slots missed during downtime that are older than this
	// are not run (default 24h; the "catch-up window").
	CatchupWindow time.Duration
	// MaxCatchup bounds how many missed slots are run after downtime: the
	// newest ones, since fresh data matters most (default 24).
	MaxCatchup int
	// MaxActiveRuns bounds concurrent runs of the pipeline (default 1).
	MaxActiveRuns int
	Overlap       Overlap
}

// WithDefaults fills unset fields with their defaults.
func (p Policy) WithDefaults() Policy {
	if p.CatchupWindow <= 0 {
		p.CatchupWindow = 24 * time.Hour
	}
	if p.MaxCatchup <= 0 {
		p.MaxCatchup = 24
	}
	if p.MaxActiveRuns <= 0 {
		p.MaxActiveRuns = 1
	}
	if p.Overlap == "" {
		p.Overlap = OverlapSkip
	}
	return p
}

// State is what the scheduler remembers per pipeline between ticks (and
// across restarts, in the store).
type State struct {
	// Cursor is the newest slot already accounted for (started, queued or
	// skipped). Zero: the pipeline is new, and only its latest slot is due.
	Cursor time.Time `json:"cursor"`
	// Catchup holds missed slots waiting to run one at a time, oldest first.
	Catchup []time.Time `json:"catchup,omitempty"`
	// Waiting holds live slots buffered by the overlap policy.
	Waiting []time.Time `json:"waiting,omitempty"`
}

// Skip is a slot that will not run, and why.
type Skip struct {
	Slot   time.Time `json:"slot"`
	Reason string    `json:"reason"`
}

// Decision is what one tick decides.
type Decision struct {
	Start   []time.Time // slots to start now, oldest first
	Skipped []Skip
	State   State
}

// Tick decides, at now, which slots of s to start given the pipeline's
// active run count and whether a catch-up run is among them.
//
// Slots missed while memepipe was down (all due slots but the newest) are
// catch-up: bounded by the window and MaxCatchup, then run one at a time,
// oldest first, each after the previous catch-up run finished, whatever the
// overlap policy: re-filling missed intervals is the point of catching up,
// and one at a time keeps a restart from stampeding the APIs.
//
// The newest due slot is live. While catching up (missed slots queued or a
// catch-up run active) it joins the end of the catch-up queue: dropping it
// because the catch-up run holds the only run slot would lose the freshest
// interval, the one users look at first, and would do so after every
// restart. Otherwise it starts if fewer than MaxActiveRuns runs are
// active, else the overlap policy decides.
func Tick(s *Schedule, p Policy, st State, now time.Time, active int, catchupActive bool) Decision {
	p = p.WithDefaults()
	d := Decision{State: st}
	if st.Cursor.IsZero() {
		// New pipeline: no history to catch up on; its latest slot is due.
		st.Cursor = s.Prev(s.Prev(now.Add(time.Nanosecond)))
		d.State.Cursor = st.Cursor
	}
	d.State.Catchup = append([]time.Time(nil), st.Catchup...)
	d.State.Waiting = append([]time.Time(nil), st.Waiting...)
	due, _ := s.Slots(st.Cursor, now, 0)
	if len(due) > 0 {
		d.State.Cursor = due[len(due)-1]
		live := due[len(due)-1]
		missed := due[:len(due)-1]
		var kept []time.Time
		for _, slot := range missed {
			if now.Sub(slot) > p.CatchupWindow {
				d.Skipped = append(d.Skipped, Skip{slot, "older than the catch-up window " + p.CatchupWindow.String()})
				continue
			}
			kept = append(kept, slot)
		}
		if over := len(kept) - p.MaxCatchup; over > 0 {
			for _, slot := range kept[:over] {
				d.Skipped = append(d.Skipped, Skip{slot, fmt.Sprintf("beyond the catch-up bound of %d runs", p.MaxCatchup)})
			}
			kept = kept[over:]
		}
		d.State.Catchup = append(d.State.Catchup, kept...)
		if len(d.State.Catchup) > 0 || catchupActive {
			d.State.Catchup = append(d.State.Catchup, live)
			// Runs slower than the schedule would grow the queue without
			// end: keep the bound (plus the live slot), dropping the oldest.
			if over := len(d.State.Catchup) - (p.MaxCatchup + 1); over > 0 {
				for _, slot := range d.State.Catchup[:over] {
					d.Skipped = append(d.Skipped, Skip{slot, fmt.Sprintf("beyond the catch-up bound of %d runs", p.MaxCatchup)})
				}
				d.State.Catchup = d.State.Catchup[over:]
			}
		} else {
			d.State.Waiting = append(d.State.Waiting, live)
		}
	}

	// Catch-up: one at a time.
	if len(d.State.Catchup) > 0 && !catchupActive && active < p.MaxActiveRuns {
		d.Start = append(d.Start, d.State.Catchup[0])
		d.State.Catchup = d.State.Catchup[1:]
		active++
	}
	// Live slots under the overlap policy.
	var waiting []time.Time
	for _, slot := range d.State.Waiting {
		if active < p.MaxActiveRuns {
			d.Start = append(d.Start, slot)
			active++
			continue
		}
		switch p.Overlap {
		case OverlapAllow:
			waiting = append(waiting, slot)
		case OverlapBufferOne:
			if len(waiting) == 0 {
				waiting = append(waiting, slot)
				continue
			}
			d.Skipped = append(d.Skipped, Skip{slot, "a run is active and one slot is already buffered (overlap buffer_one)"})
		default:
			d.Skipped = append(d.Skipped, Skip{slot, fmt.Sprintf("%d run(s) active, max_active_runs %d (overlap skip)", active, p.MaxActiveRuns)})
		}
	}
	d.State.Waiting = waiting
	return d
}
