package runview

import (
	"time"

	"memepipe/pipeline"
)

// Gantt is a run's task attempts on a time axis: one row per task, one bar
// per attempt that started, scaled to Width units.
type Gantt struct {
	Start, End time.Time
	Width      int
	Rows       []GanttRow
	// Ticks are axis labels at round offsets from Start.
	Ticks []GanttTick
}

// GanttRow is a task's attempts.
type GanttRow struct {
	Task string
	Bars []GanttBar
}

// GanttBar is one attempt.
type GanttBar struct {
	Attempt  int
	State    pipeline.State
	X, W     int
	Duration time.Duration
	Running  bool
}

// GanttTick is an axis label.
type GanttTick struct {
	X     int
	Label string
}

// NewGantt lays out v's attempts over width units. Attempts still
// running end at now.
func NewGantt(v Run, width int, now time.Time) Gantt {
	g := Gantt{Width: width}
	for _, t := range v.Tasks {
		for _, a := range t.History {
			if a.StartedAt == nil {
				continue
			}
			end := now
			if a.EndedAt != nil {
				end = *a.EndedAt
			}
			if g.Start.IsZero() || a.StartedAt.Before(g.Start) {
				g.Start = *a.StartedAt
			}
			if end.After(g.End) {
				g.End = end
			}
		}
	}
	total := g.End.Sub(g.Start)
	if total <= 0 {
		total = time.Millisecond
	}
	x := func(t time.Time) int { return int(float64(width) * float64(t.Sub(g.Start)) / float64(total)) }
	for _, t := range v.Tasks {
		row := GanttRow{Task: t.Name}
		for _, a := range t.History {
			if a.StartedAt == nil {
				continue
			}
			end, running := now, a.EndedAt == nil
			if !running {
				end = *a.EndedAt
			}
			b := GanttBar{Attempt: a.Attempt, State: a.State, X: x(*a.StartedAt), Duration: end.Sub(*a.StartedAt), Running: running}
			b.W = max(x(end)-b.X, 2) // a visible sliver for instant tasks
			row.Bars = append(row.Bars, b)
		}
		g.Rows = append(g.Rows, row)
	}
	if !g.Start.IsZero() {
		for i := 0; i <= 4; i++ {
			off := total * time.Duration(i) / 4
			g.Ticks = append(g.Ticks, GanttTick{X: width * i / 4, Label: "+" + Round(off).String()})
		}
	}
	return g
}
