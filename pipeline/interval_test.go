package pipeline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestInterval(t *testing.T) {
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	iv, err := NewInterval(start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if iv.Start.Location() != time.UTC || iv.Start.Hour() != 9 {
		t.Errorf("NewInterval did not convert to UTC: %v", iv.Start)
	}
	if got := iv.String(); got != "[2025-03-01T09:00:00Z, 2025-03-01T10:00:00Z)" {
		t.Errorf("String = %q", got)
	}
	if !iv.Contains(iv.Start) || iv.Contains(iv.End) || iv.Contains(iv.Start.Add(-time.Nanosecond)) {
		t.Error("Contains is not [start, end)")
	}
	if _, err := NewInterval(start, start); errString(err) != "interval end 2025-03-01T09:00:00Z is not after start 2025-03-01T09:00:00Z" {
		t.Errorf("empty interval error = %v", err)
	}
}

func TestTruncate(t *testing.T) {
	at := time.Date(2025, 3, 6, 14, 37, 0, 0, time.UTC) // a Thursday
	tests := []struct {
		d          time.Duration
		start, end string
	}{
		{time.Hour, "2025-03-06T13:00:00Z", "2025-03-06T14:00:00Z"},
		{15 * time.Minute, "2025-03-06T14:15:00Z", "2025-03-06T14:30:00Z"},
		{24 * time.Hour, "2025-03-05T00:00:00Z", "2025-03-06T00:00:00Z"},
		{7 * 24 * time.Hour, "2025-02-24T00:00:00Z", "2025-03-03T00:00:00Z"}, // Monday to Monday
	}
	for _, tt := range tests {
		iv := Truncate(at, tt.d)
		if got := iv.Start.Format(time.RFC3339); got != tt.start {
			t.Errorf("Truncate(%v) start = %s, want %s", tt.d, got, tt.start)
		}
		if got := iv.End.Format(time.RFC3339); got != tt.end {
			t.Errorf("Truncate(%v) end = %s, want %s", tt.d, got, tt.end)
		}
	}
	// On a boundary the slot that just ended is the one.
	if iv := Truncate(time.Date(2025, 3, 6, 14, 0, 0, 0, time.UTC), time.Hour); iv.End.Hour() != 14 {
		t.Errorf("Truncate on the hour = %v", iv)
	}
}

func TestRunJSON(t *testing.T) {
	iv, _ := NewInterval(time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC))
	r := Run{ID: "r1", Pipeline: "demo", Interval: iv, State: Failed, Trigger: TriggerManual, CreatedAt: iv.End}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"r1","pipeline":"demo","state":"failed","trigger":"manual","created_at":"2025-03-07T00:00:00Z","interval_start":"2025-03-06T00:00:00Z","interval_end":"2025-03-07T00:00:00Z"}`
	if string(b) != want {
		t.Errorf("Marshal =\n %s\nwant\n %s", b, want)
	}
	var back Run
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Interval != iv || back.ID != "r1" || back.State != Failed {
		t.Errorf("round trip = %+v", back)
	}
}
