package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

func testSchedules(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec, err := s.GetSchedule(ctx, "memes")
	if err != nil || rec.Pipeline != "memes" || rec.Version != 0 || rec.State != "" || rec.Paused {
		t.Fatalf("GetSchedule of a new pipeline = %+v, %v; want a zero record with version 0", rec, err)
	}
	if all, err := s.ListSchedules(ctx); err != nil || len(all) != 0 || all == nil {
		t.Fatalf("ListSchedules on a new store = %#v, %v; want an empty non-nil slice", all, err)
	}
	skipAt := t0.Add(90 * time.Second)
	rec.State = `{"cursor":"2026-11-28T18:00:00Z","catchup":["2026-11-28T17:00:00Z"]}`
	rec.SkippedSlots = 3
	rec.LastSkipReason = "older than the catch-up window 24h0m0s"
	rec.LastSkipAt = &skipAt
	saved, err := s.SaveSchedule(ctx, rec)
	if err != nil {
		t.Fatalf("first SaveSchedule: %v", err)
	}
	if saved.Version != 1 || saved.State != rec.State || saved.SkippedSlots != 3 || saved.LastSkipReason != rec.LastSkipReason ||
		saved.LastSkipAt == nil || !saved.LastSkipAt.Equal(skipAt) || saved.UpdatedAt.IsZero() || saved.Paused {
		t.Errorf("SaveSchedule returned %+v", saved)
	}
	got, err := s.GetSchedule(ctx, "memes")
	if err != nil || got.Version != 1 || got.State != rec.State || got.LastSkipAt == nil || got.LastSkipAt.Location() != time.UTC {
		t.Errorf("GetSchedule after save = %+v, %v", got, err)
	}

	// A second first write (version 0) and a write over a stale version lose.
	if _, err := s.SaveSchedule(ctx, store.ScheduleRecord{Pipeline: "memes", State: "{}"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveSchedule at version 0 over an existing row: %v, want ErrConflict", err)
	}
	saved.State = `{"cursor":"2026-11-28T19:00:00Z"}`
	saved.LastSkipAt = nil
	v2, err := s.SaveSchedule(ctx, saved)
	if err != nil || v2.Version != 2 || v2.LastSkipAt != nil || v2.State != saved.State {
		t.Fatalf("SaveSchedule at version 1 = %+v, %v", v2, err)
	}
	saved.State = `{"cursor":"stale"}`
	if _, err := s.SaveSchedule(ctx, saved); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveSchedule over a stale version: %v, want ErrConflict", err)
	}
	if got, _ := s.GetSchedule(ctx, "memes"); got.State != v2.State || got.Version != 2 {
		t.Errorf("a losing write changed the row: %+v", got)
	}

	// Pausing bumps the version (so a scheduler holding version 2 re-reads)
	// and SaveSchedule never writes the flag.
	p, err := s.SetPaused(ctx, "memes", true)
	if err != nil || !p.Paused || p.Version != 3 || p.State != v2.State {
		t.Fatalf("SetPaused = %+v, %v", p, err)
	}
	if _, err := s.SaveSchedule(ctx, v2); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveSchedule at the version before a pause: %v, want ErrConflict", err)
	}
	p.Paused = false
	p.State = `{"cursor":"2026-11-28T20:00:00Z"}`
	v4, err := s.SaveSchedule(ctx, p)
	if err != nil || !v4.Paused || v4.Version != 4 {
		t.Errorf("SaveSchedule of a paused pipeline = %+v, %v; want still paused, version 4", v4, err)
	}
	if u, err := s.SetPaused(ctx, "memes", false); err != nil || u.Paused || u.Version != 5 {
		t.Errorf("unpause = %+v, %v", u, err)
	}
	// Pausing a pipeline never scheduled creates its row.
	if n, err := s.SetPaused(ctx, "whales", true); err != nil || !n.Paused || n.Version != 1 || n.State != "" {
		t.Errorf("SetPaused of a new pipeline = %+v, %v", n, err)
	}
	all, err := s.ListSchedules(ctx)
	if err != nil || len(all) != 2 || all[0].Pipeline != "memes" || all[1].Pipeline != "whales" || !all[1].Paused {
		t.Errorf("ListSchedules = %+v, %v", all, err)
	}
	if _, err := s.SaveSchedule(ctx, store.ScheduleRecord{}); err == nil {
		t.Errorf("SaveSchedule without a pipeline: no error")
	}
}

// Writers racing read-modify-write loops on one record lose no update:
// every increment lands exactly once, as two schedulers' cursors must.
func testSchedulesConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers, each = 4, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				rec, err := s.GetSchedule(ctx, "race")
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.Atoi(rec.State)
				rec.State = strconv.Itoa(n + 1)
				rec.SkippedSlots++
				if _, err := s.SaveSchedule(ctx, rec); errors.Is(err, store.ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
					continue
				} else if err != nil {
					errs <- err
					return
				}
				done++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rec, err := s.GetSchedule(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != strconv.Itoa(writers*each) || rec.SkippedSlots != writers*each || rec.Version != writers*each {
		t.Errorf("after %d increments: state %s, skipped %d, version %d (%d conflicts)", writers*each, rec.State, rec.SkippedSlots, rec.Version, conflicts)
	}
}

func testClaimActiveRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	queued := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	done := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(1), State: pipeline.Success})
	owned := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(2), State: pipeline.Running, Owner: "live:1"})
	claim := func(id, owner string, staleBefore time.Time) bool {
		t.Helper()
		ok, err := s.ClaimActiveRun(ctx, id, owner, staleBefore)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(queued.ID, "a:1", time.Time{}) {
		t.Errorf("unowned queued run not claimed")
	}
	if claim(queued.ID, "b:2", time.Time{}) {
		t.Errorf("b took a's fresh claim")
	}
	if !claim(queued.ID, "a:1", time.Time{}) {
		t.Errorf("a could not re-claim its own run")
	}
	if claim(done.ID, "a:1", time.Time{}) {
		t.Errorf("claimed a run that ended")
	}
	if claim(owned.ID, "a:1", time.Now().Add(-time.Minute)) {
		t.Errorf("took a run whose owner heartbeats")
	}
	if !claim(owned.ID, "a:1", time.Now().Add(time.Minute)) {
		t.Errorf("did not take a run whose owner's heartbeat is stale")
	}
	if r, _ := s.GetRun(ctx, owned.ID); r.Owner != "a:1" || r.State != pipeline.Running {
		t.Errorf("after the takeover: %+v", r)
	}
	if claim("r_nosuchrun", "a:1", time.Time{}) {
		t.Errorf("claimed a run that does not exist")
	}
	if _, err := s.ClaimActiveRun(ctx, queued.ID, "", time.Time{}); err == nil {
		t.Errorf("empty owner: no error")
	}
}
