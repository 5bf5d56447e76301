package store

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestNewRunID(t *testing.T) {
	shape := regexp.MustCompile(`^r_[0-9a-hjkmnp-tv-z]{16}$`)
	at := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 300 {
		// Gaps from 1 ms to days: string order must be time order.
		at = at.Add(time.Duration(1+i*i*i) * time.Millisecond)
		id := NewRunID(at)
		if !shape.MatchString(id) {
			t.Fatalf("NewRunID(%s) = %q, want r_ and 16 lower-case Crockford base32 digits", at, id)
		}
		ids = append(ids, id)
	}
	if sorted := slices.Sorted(slices.Values(ids)); !slices.Equal(sorted, ids) {
		t.Errorf("ids created in time order do not sort in time order")
	}
	for _, c := range []struct {
		ms   int64
		want string
	}{{0, "r_0000000000"}, {31, "r_000000000z"}, {32, "r_0000000010"}} {
		if got := NewRunID(time.UnixMilli(c.ms))[:12]; got != c.want {
			t.Errorf("time part at %d ms = %q, want %q", c.ms, got, c.want)
		}
	}
	// Same millisecond: the random part tells them apart.
	seen := map[string]bool{}
	for range 1000 {
		seen[NewRunID(at)] = true
	}
	if len(seen) < 999 {
		t.Errorf("1000 ids in one millisecond: only %d distinct", len(seen))
	}
}
