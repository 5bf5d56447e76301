package lambda

import (
	"testing"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
)

func TestEventInterval(t *testing.T) {
	hourly := &config.Pipeline{Name: "hourly", Schedule: "0 * * * *"}
	berlin := &config.Pipeline{Name: "daily", Schedule: "30 6 * * *", Timezone: "Europe/Berlin"}
	every := &config.Pipeline{Name: "adhoc", Interval: config.Duration(15 * time.Minute)}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	h := &Handler{}
	for _, tc := range []struct {
		name       string
		p          *config.Pipeline
		ev         Event
		start, end string
		trigger    pipeline.RunTrigger
		err        string
	}{
		{"explicit", hourly, Event{IntervalStart: "2026-11-28T17:00:00Z", IntervalEnd: "2026-11-28T18:00:00Z"}, "2026-11-28T17:00:00Z", "2026-11-28T18:00:00Z", pipeline.TriggerManual, ""},
		{"offset times are UTC", hourly, Event{IntervalStart: "2026-11-28T18:00:00+01:00", IntervalEnd: "2026-11-28T19:00:00+01:00"}, "2026-11-28T17:00:00Z", "2026-11-28T18:00:00Z", pipeline.TriggerManual, ""},
		{"slot", hourly, Event{ScheduledTime: "2026-11-28T18:00:00Z"}, "2026-11-28T17:00:00Z", "2026-11-28T18:00:00Z", pipeline.TriggerSchedule, ""},
		{"late slot names the same interval", hourly, Event{ScheduledTime: "2026-11-28T18:00:42Z"}, "2026-11-28T17:00:00Z", "2026-11-28T18:00:00Z", pipeline.TriggerSchedule, ""},
		// 06:30 in Berlin is 05:30 UTC in winter; the day before's slot starts it.
		{"slot in a time zone", berlin, Event{ScheduledTime: "2026-11-28T05:30:00Z"}, "2026-11-27T05:30:00Z", "2026-11-28T05:30:00Z", pipeline.TriggerSchedule, ""},
		{"unscheduled pipeline slots by its interval", every, Event{ScheduledTime: "2026-11-28T18:07:00Z"}, "2026-11-28T17:45:00Z", "2026-11-28T18:00:00Z", pipeline.TriggerSchedule, ""},
		{"no interval", hourly, Event{}, "", "", "", "bad event: no interval: give interval_start and interval_end, or scheduled_time"},
		{"both", hourly, Event{IntervalStart: "2026-11-28T17:00:00Z", IntervalEnd: "2026-11-28T18:00:00Z", ScheduledTime: "2026-11-28T18:00:00Z"}, "", "", "", "bad event: give either interval_start and interval_end or scheduled_time, not both"},
		{"end missing", hourly, Event{IntervalStart: "2026-11-28T17:00:00Z"}, "", "", "", `bad event: interval_end "" is not an RFC 3339 time`},
		{"empty interval", hourly, Event{IntervalStart: "2026-11-28T18:00:00Z", IntervalEnd: "2026-11-28T17:00:00Z"}, "", "", "", "bad event: interval end 2026-11-28T17:00:00Z is not after start 2026-11-28T18:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iv, trig, err := h.Interval(tc.ev, tc.p)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !iv.Start.Equal(utc(tc.start)) || !iv.End.Equal(utc(tc.end)) || trig != tc.trigger {
				t.Errorf("got %s %s, want [%s, %s) %s", iv, trig, tc.start, tc.end, tc.trigger)
			}
		})
	}
}
