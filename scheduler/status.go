package scheduler

import (
	"context"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// Status is what the API and the UI show about a pipeline.
type Status struct {
	Name string `json:"name"`
	// Schedule is the cron expression ("" for an on-demand pipeline) in
	// Timezone; Interval is an on-demand pipeline's interval length.
	Schedule string `json:"schedule"`
	Timezone string `json:"timezone"`
	Interval string `json:"interval,omitempty"`
	Paused   bool   `json:"paused"`
	// NextRun is the next slot (nil when paused or on demand).
	NextRun *time.Time `json:"next_run"`
	// LastRun is the newest run by interval, of any trigger.
	LastRun    *pipeline.Run  `json:"last_run"`
	LastState  pipeline.State `json:"last_state,omitempty"`
	ActiveRuns int            `json:"active_runs"`
	// SkippedSlots counts slots never run, LastSkipReason says the latest.
	SkippedSlots   int64    `json:"skipped_slots"`
	LastSkipReason string   `json:"last_skip_reason,omitempty"`
	MaxActiveRuns  int      `json:"max_active_runs"`
	Overlap        string   `json:"overlap"`
	CatchupWindow  string   `json:"catchup_window"`
	MaxCatchup     int      `json:"max_catchup"`
	Tasks          []string `json:"tasks"`
}

// Status returns every pipeline's status, in configuration order.
func (s *Scheduler) Status(ctx context.Context) ([]Status, error) {
	recs, err := s.st.ListSchedules(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.ScheduleRecord{}
	for _, r := range recs {
		byName[r.Pipeline] = r
	}
	now := s.clock.Now()
	out := make([]Status, 0, len(s.order))
	for _, name := range s.order {
		st, err := s.status(ctx, s.byName[name], byName[name], now)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// PipelineStatus returns one pipeline's status.
func (s *Scheduler) PipelineStatus(ctx context.Context, name string) (Status, error) {
	p, err := s.Pipeline(name)
	if err != nil {
		return Status{}, err
	}
	rec, err := s.st.GetSchedule(ctx, name)
	if err != nil {
		return Status{}, err
	}
	return s.status(ctx, p, rec, s.clock.Now())
}

func (s *Scheduler) status(ctx context.Context, p *Pipeline, rec store.ScheduleRecord, now time.Time) (Status, error) {
	st := Status{
		Name: p.Name(), Paused: rec.Paused, SkippedSlots: rec.SkippedSlots, LastSkipReason: rec.LastSkipReason,
		MaxActiveRuns: p.Policy.MaxActiveRuns, Overlap: string(p.Policy.Overlap),
		CatchupWindow: p.Policy.CatchupWindow.String(), MaxCatchup: p.Policy.MaxCatchup, Tasks: []string{},
		Timezone: "UTC",
	}
	for _, t := range p.DAG.Tasks {
		st.Tasks = append(st.Tasks, t.Name)
	}
	if p.Schedule != nil {
		st.Schedule = p.Schedule.String()
		st.Timezone = p.Schedule.Location().String()
		if !rec.Paused {
			n := p.Schedule.Next(now)
			st.NextRun = &n
		}
	} else {
		st.Interval = p.Interval.String()
	}
	last, err := s.st.ListRuns(ctx, store.RunFilter{Pipeline: p.Name(), Limit: 1})
	if err != nil {
		return st, err
	}
	if len(last) == 1 {
		st.LastRun = &last[0]
		st.LastState = last[0].State
	}
	if st.ActiveRuns, err = s.st.CountRuns(ctx, store.RunFilter{Pipeline: p.Name(), States: activeStates}); err != nil {
		return st, err
	}
	return st, nil
}
