package schedule

import (
	"strings"
	"testing"
	"time"
)

// A fake clock walks the scheduler through downtime and overlap.
func TestTickNewPipelineRunsLatestSlotOnly(t *testing.T) {
	s := mustParse(t, "@hourly", "")
	d := Tick(s, Policy{}, State{}, utc("2026-11-28T10:20:00Z"), 0, false)
	if fmtAll(d.Start) != "2026-11-28T10:00:00Z" || len(d.Skipped) != 0 {
		t.Fatalf("start %s skipped %v", fmtAll(d.Start), d.Skipped)
	}
	// The next tick in the same hour starts nothing.
	d = Tick(s, Policy{}, d.State, utc("2026-11-28T10:40:00Z"), 1, false)
	if len(d.Start) != 0 || len(d.Skipped) != 0 {
		t.Fatalf("same hour: start %s skipped %v", fmtAll(d.Start), d.Skipped)
	}
}

func TestTickCatchUpAfterDowntime(t *testing.T) {
	s := mustParse(t, "@hourly", "")
	p := Policy{CatchupWindow: 6 * time.Hour, MaxCatchup: 3}
	st := State{Cursor: utc("2026-11-28T00:00:00Z")} // last slot before going down
	now := utc("2026-11-28T10:05:00Z")               // back up: slots 01:00..10:00 are due
	d := Tick(s, p, st, now, 0, false)
	// 01:00-04:00 are older than 6h; of 05:00..09:00 the bound keeps the
	// newest 3 (07:00, 08:00, 09:00); 10:00 is the live slot.
	var reasons []string
	for _, sk := range d.Skipped {
		reasons = append(reasons, sk.Slot.Format("15:04")+" "+strings.Fields(sk.Reason)[0])
	}
	if got := strings.Join(reasons, ","); got != "01:00 older,02:00 older,03:00 older,04:00 older,05:00 beyond,06:00 beyond" {
		t.Errorf("skipped: %s", got)
	}
	// One catch-up run starts; the live slot joins the end of the queue
	// rather than being dropped for want of a free run slot.
	if fmtAll(d.Start) != "2026-11-28T07:00:00Z" {
		t.Errorf("start %s", fmtAll(d.Start))
	}
	if fmtAll(d.State.Catchup) != "2026-11-28T08:00:00Z 2026-11-28T09:00:00Z 2026-11-28T10:00:00Z" {
		t.Errorf("catch-up queue %s", fmtAll(d.State.Catchup))
	}
	// While the catch-up run is active nothing else starts; then one at a
	// time, the live slot last; an 11:00 slot due meanwhile queues too.
	d2 := Tick(s, p, d.State, now.Add(time.Minute), 1, true)
	if len(d2.Start) != 0 {
		t.Errorf("started during catch-up: %s", fmtAll(d2.Start))
	}
	var started []time.Time
	st, at := d2.State, now.Add(2*time.Minute)
	for range 5 {
		d := Tick(s, p, st, at, 0, false)
		if len(d.Skipped) != 0 {
			t.Errorf("at %s skipped %v", at.Format("15:04"), d.Skipped)
		}
		started = append(started, d.Start...)
		st, at = d.State, at.Add(20*time.Minute) // 10:07 10:27 10:47 11:07 11:27
	}
	if got := fmtAll(started); got != "2026-11-28T08:00:00Z 2026-11-28T09:00:00Z 2026-11-28T10:00:00Z 2026-11-28T11:00:00Z" {
		t.Errorf("catch-up order %s", got)
	}
	if len(st.Catchup) != 0 || len(st.Waiting) != 0 {
		t.Errorf("caught up, yet queue %s waiting %s", fmtAll(st.Catchup), fmtAll(st.Waiting))
	}
}

// Runs slower than the schedule while catching up keep the queue bounded.
func TestTickCatchUpQueueBounded(t *testing.T) {
	s := mustParse(t, "@hourly", "")
	p := Policy{MaxCatchup: 2}
	st := State{Cursor: utc("2026-11-28T06:00:00Z"), Catchup: []time.Time{utc("2026-11-28T05:00:00Z"), utc("2026-11-28T06:00:00Z")}}
	d := Tick(s, p, st, utc("2026-11-28T08:00:30Z"), 1, true)
	if len(d.Start) != 0 {
		t.Errorf("started %s during an active catch-up run", fmtAll(d.Start))
	}
	if fmtAll(d.State.Catchup) != "2026-11-28T06:00:00Z 2026-11-28T07:00:00Z 2026-11-28T08:00:00Z" {
		t.Errorf("queue %s", fmtAll(d.State.Catchup))
	}
	if len(d.Skipped) != 1 || !d.Skipped[0].Slot.Equal(utc("2026-11-28T05:00:00Z")) || !strings.Contains(d.Skipped[0].Reason, "bound") {
		t.Errorf("skipped %v", d.Skipped)
	}
}

func TestTickOverlapPolicies(t *testing.T) {
	s := mustParse(t, "*/15 * * * *", "")
	start := State{Cursor: utc("2026-11-28T10:00:00Z")}
	// One run has been active since 10:00; slots 10:15, 10:30, 10:45 come due
	// one tick at a time.
	for _, tc := range []struct {
		overlap          Overlap
		maxActive        int
		waiting, skipped int
		started          string
	}{
		{OverlapSkip, 1, 0, 3, ""},
		{OverlapBufferOne, 1, 1, 2, ""},
		{OverlapAllow, 1, 3, 0, ""},
		{OverlapAllow, 3, 1, 0, "2026-11-28T10:15:00Z 2026-11-28T10:30:00Z"},
	} {
		st, skipped, started := start, 0, []time.Time{}
		active := 1
		for _, now := range []string{"2026-11-28T10:15:01Z", "2026-11-28T10:30:01Z", "2026-11-28T10:45:01Z"} {
			d := Tick(s, Policy{Overlap: tc.overlap, MaxActiveRuns: tc.maxActive}, st, utc(now), active, false)
			st, skipped = d.State, skipped+len(d.Skipped)
			started = append(started, d.Start...)
			active += len(d.Start)
		}
		if len(st.Waiting) != tc.waiting || skipped != tc.skipped || fmtAll(started) != tc.started {
			t.Errorf("%s max %d: waiting %d skipped %d started %q; want %d %d %q",
				tc.overlap, tc.maxActive, len(st.Waiting), skipped, fmtAll(started), tc.waiting, tc.skipped, tc.started)
		}
	}
	// Buffered slots start in order once the active run ends.
	d := Tick(s, Policy{Overlap: OverlapAllow}, State{Cursor: utc("2026-11-28T10:45:00Z"),
		Waiting: []time.Time{utc("2026-11-28T10:15:00Z"), utc("2026-11-28T10:30:00Z")}}, utc("2026-11-28T10:50:00Z"), 0, false)
	if fmtAll(d.Start) != "2026-11-28T10:15:00Z" || len(d.State.Waiting) != 1 {
		t.Errorf("drain: start %s waiting %s", fmtAll(d.Start), fmtAll(d.State.Waiting))
	}
}
