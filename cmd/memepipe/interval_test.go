package main

import (
	"testing"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 20, 30, 0, time.UTC)
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2026-11-28T18:00:00Z", time.UTC, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)},
		{"2026-11-28T18:00:00+01:00", time.UTC, time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)},
		{"2026-11-28T18:00", time.UTC, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)},
		{"2026-11-28T18:00Z", ny, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)},
		{"2026-11-28 18:00", time.UTC, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)},
		{"2026-11-28", time.UTC, time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)},
		{"2026-11-28T18:00", ny, time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)}, // EST, UTC-5
		{"now", time.UTC, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)},
		{"-24h", time.UTC, time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)},
		{"-2d", time.UTC, time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in, now, tt.loc, fixedSlots(time.Hour))
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "-1 day", "18:00"} {
		if _, err := parseTime(bad, now, time.UTC, fixedSlots(time.Hour)); err == nil {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
}

func TestRunInterval(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 20, 0, 0, time.UTC)
	p := &config.Pipeline{Interval: config.Duration(time.Hour), Timezone: "UTC"}
	at := func(h int) time.Time { return time.Date(2026, 11, 28, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		start, end string
		want       pipeline.Interval
	}{
		{"", "", pipeline.Interval{Start: at(17), End: at(18)}}, // last complete slot
		{"2026-11-28T10:00", "", pipeline.Interval{Start: at(10), End: at(11)}},
		{"", "2026-11-28T10:00", pipeline.Interval{Start: at(9), End: at(10)}},
		{"-6h", "now", pipeline.Interval{Start: at(12), End: at(18)}},
	}
	for _, tt := range tests {
		got, err := runInterval(tt.start, tt.end, p, now)
		if err != nil || got != tt.want {
			t.Errorf("runInterval(%q, %q) = %s, %v; want %s", tt.start, tt.end, got, err, tt.want)
		}
	}
	if _, err := runInterval("2026-11-28T10:00", "2026-11-28T09:00", p, now); err == nil {
		t.Error("end before start accepted")
	}
	// A scheduled pipeline: slots from the schedule, in its time zone.
	daily := &config.Pipeline{Schedule: "0 6 * * *", Timezone: "Europe/Berlin"} // 05:00 UTC in winter
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		start, end string
		want       pipeline.Interval
	}{
		{"", "", pipeline.Interval{Start: day(27, 5), End: day(28, 5)}},
		{"2026-11-20T06:00", "", pipeline.Interval{Start: day(20, 5), End: day(21, 5)}},
		{"-2d", "now", pipeline.Interval{Start: day(26, 5), End: day(28, 5)}},
	} {
		got, err := runInterval(tt.start, tt.end, daily, now)
		if err != nil || got != tt.want {
			t.Errorf("daily runInterval(%q, %q) = %s, %v; want %s", tt.start, tt.end, got, err, tt.want)
		}
	}
}

func TestRunView(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	at := func(ms int) *time.Time { x := t0.Add(time.Duration(ms) * time.Millisecond); return &x }
	run := pipeline.Run{ID: "r1", Pipeline: "demo", State: pipeline.Failed, Interval: pipeline.Interval{Start: t0, End: t0.Add(time.Hour)}, StartedAt: at(0), EndedAt: at(500)}
	trs := []pipeline.TaskRun{
		{Task: "a", Attempt: 1, State: pipeline.Success, StartedAt: at(0), EndedAt: at(10), RecordsOut: 7},
		{Task: "b", Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(10), EndedAt: at(20), Error: "exit status 1"},
		{Task: "b", Attempt: 2, State: pipeline.UpForRetry, StartedAt: at(30), EndedAt: at(40), Error: "exit status 1"},
		{Task: "b", Attempt: 3, State: pipeline.Failed, StartedAt: at(60), EndedAt: at(70), Error: "exit status 1\nmore"},
		{Task: "c", Attempt: 1, State: pipeline.UpstreamFailed, EndedAt: at(70), Error: "upstream b"},
	}
	v := newRunView(run, trs, []string{"a", "b", "c", "d"})
	type row struct {
		name     string
		state    pipeline.State
		attempts int
		ms       int64
	}
	want := []row{{"a", pipeline.Success, 1, 10}, {"b", pipeline.Failed, 3, 60}, {"c", pipeline.UpstreamFailed, 0, -1}, {"d", pipeline.Queued, 0, -1}}
	if len(v.Tasks) != len(want) {
		t.Fatalf("tasks %+v", v.Tasks)
	}
	for i, w := range want {
		got := v.Tasks[i]
		ms := int64(-1)
		if got.DurationMS != nil {
			ms = *got.DurationMS
		}
		if got.Name != w.name || got.State != w.state || got.Attempts != w.attempts || ms != w.ms {
			t.Errorf("task %d = %s %s %d %dms, want %+v", i, got.Name, got.State, got.Attempts, ms, w)
		}
	}
	if v.Tasks[0].RecordsOut != 7 || len(v.Tasks[1].History) != 3 || v.Tasks[1].Error != "exit status 1\nmore" {
		t.Errorf("details: %+v", v.Tasks[:2])
	}
	if got := stateCounts(v); got != "1 queued, 1 success, 1 failed, 1 upstream_failed" {
		t.Errorf("stateCounts = %q", got)
	}
}
