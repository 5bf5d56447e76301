package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"memepipe/alert"
	"memepipe/store"
)

func testAlertConditions(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.GetCondition(ctx, "p/t/task_failed"); err != nil || ok {
		t.Fatalf("unknown key: ok=%v err=%v", ok, err)
	}
	c := alert.Condition{Key: "p/t/task_failed", Rule: alert.RuleTaskFailed, Firing: true, Since: t0, LastNotified: t0.Add(time.Minute),
		Count: 2, Severity: alert.SeverityError,
		Last: alert.Alert{Rule: alert.RuleTaskFailed, Key: "p/t/task_failed", Pipeline: "p", Task: "t", RunID: "r_1", Error: "HTTP 502 ✗", At: t0}}
	if err := s.PutCondition(ctx, c); err != nil {
		t.Fatal(err)
	}
	other := alert.Condition{Key: "p/stale", Rule: alert.RuleStale} // never fired: zero times
	if err := s.PutCondition(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.GetCondition(ctx, c.Key)
	if err != nil || !ok {
		t.Fatalf("get: ok=%v err=%v", ok, err)
	}
	if !got.Firing || got.Count != 2 || !got.Since.Equal(t0) || !got.LastNotified.Equal(t0.Add(time.Minute)) ||
		got.Last.RunID != "r_1" || got.Last.Error != "HTTP 502 ✗" || got.Severity != alert.SeverityError {
		t.Errorf("round trip: %+v", got)
	}
	c.Firing, c.Count = false, 0
	if err := s.PutCondition(ctx, c); err != nil {
		t.Fatal(err)
	}
	firing, err := s.ListConditions(ctx, true)
	if err != nil || len(firing) != 0 {
		t.Errorf("firing after resolve: %v %v", firing, err)
	}
	all, err := s.ListConditions(ctx, false)
	if err != nil || len(all) != 2 || all[0].Key != "p/stale" || !all[0].Since.IsZero() {
		t.Errorf("all conditions: %+v %v", all, err)
	}
}

func testAlertDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	if ds, err := s.ListDeliveries(ctx, 0); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("empty history: %v %v", ds, err)
	}
	for i := 0; i < 3; i++ {
		d := alert.Delivery{At: t0.Add(time.Duration(i) * time.Second), Notifier: "ops", Type: "webhook", OK: i != 1, Attempts: i + 1,
			Alert: alert.Alert{Rule: alert.RuleTaskFailed, Status: alert.Firing, Key: "p/t/task_failed", RunID: "r_" + strings.Repeat("x", i)}}
		if i == 1 {
			d.Error = "HTTP 503: unavailable"
		}
		if err := s.RecordDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := s.ListDeliveries(ctx, 2)
	if err != nil || len(ds) != 2 {
		t.Fatalf("%v %v", ds, err)
	}
	if !ds[0].At.Equal(t0.Add(2*time.Second)) || ds[0].Attempts != 3 || !ds[0].OK || ds[0].Alert.RunID != "r_xx" {
		t.Errorf("newest %+v", ds[0])
	}
	if ds[1].OK || ds[1].Error != "HTTP 503: unavailable" || ds[1].Notifier != "ops" || ds[1].Type != "webhook" {
		t.Errorf("second %+v", ds[1])
	}
}
