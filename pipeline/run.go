package pipeline

import (
	"encoding/json"
	"time"
)

// RunTrigger says why a run exists.
type RunTrigger string

const (
	TriggerManual   RunTrigger = "manual"   // memepipe run, or the API's trigger
	TriggerSchedule RunTrigger = "schedule" // a cron slot
	TriggerBackfill RunTrigger = "backfill" // memepipe backfill
)

// Run is one run of a pipeline for one data interval. (Pipeline, Interval)
// is unique: re-running an interval resumes or re-runs the same Run.
type Run struct {
	ID        string     `json:"id"`
	Pipeline  string     `json:"pipeline"`
	Interval  Interval   `json:"-"`
	State     State      `json:"state"`
	Trigger   RunTrigger `json:"trigger"`
	CreatedAt time.Time  `json:"created_at"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	// Owner names the process that is running the run (host:pid), so a
	// restarted process can tell its own dead runs from a live peer's.
	Owner string `json:"owner,omitempty"`
}

// TaskRun is one attempt of one task in one run. Attempts are numbered
// from 1; every attempt is kept, so history survives --rerun.
type TaskRun struct {
	RunID      string     `json:"run_id"`
	Task       string     `json:"task"`
	Attempt    int        `json:"attempt"`
	State      State      `json:"state"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	Heartbeat  *time.Time `json:"heartbeat_at,omitempty"`
	RecordsIn  int64      `json:"records_in"`
	RecordsOut int64      `json:"records_out"`
	Error      string     `json:"error,omitempty"`
	// Log is the attempt's captured output (command stdout/stderr, task
	// notes), bounded by the engine.
	Log string `json:"-"`
}

// MarshalJSON flattens the interval into interval_start and interval_end,
// the shape `memepipe runs show --json` and the API promise.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run
	return json.Marshal(struct {
		plain
		IntervalStart time.Time `json:"interval_start"`
		IntervalEnd   time.Time `json:"interval_end"`
	}{plain(r), r.Interval.Start, r.Interval.End})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Run) UnmarshalJSON(b []byte) error {
	type plain Run
	var v struct {
		plain
		IntervalStart time.Time `json:"interval_start"`
		IntervalEnd   time.Time `json:"interval_end"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Run(v.plain)
	r.Interval = Interval{Start: v.IntervalStart, End: v.IntervalEnd}
	return nil
}
