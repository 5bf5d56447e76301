package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as Go writes durations ("10ms",
// "1h30m"), plus whole days ("7d") because data intervals and retention are
// naturally counted in days. A bare 0 means none; any other bare number is
// an error, because "timeout: 30" could mean seconds or minutes.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string {
	td := time.Duration(d)
	if td != 0 && td%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(td/(24*time.Hour)), 10) + "d"
	}
	s := td.String() // "1h30m0s": drop the zero tails people do not write
	if td >= time.Minute {
		s = strings.TrimSuffix(s, "0s")
	}
	if td >= time.Hour {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalYAML writes the duration as config reads it.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the duration as a string ("1h0m0s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// ParseDuration parses a config duration (see Duration).
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return 0, fmt.Errorf("duration %d has no unit: write %ds, %dm or %dh", n, n, n, n)
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number, as in 7d", s)
		}
		return Duration(time.Duration(n) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use a number and a unit, as in 500ms, 30s, 5m, 1h30m or 7d", s)
	}
	return Duration(d), nil
}

// Rate is a request budget: Events per Per, written "3/s", "450/15m" or
// "2/5s" (a bare number is per second). The zero Rate is unlimited. Upstream
// APIs publish their limits in exactly these shapes (X: 450 requests per
// 15 minutes; Etherscan: 3 calls per second), so config copies them as
// published instead of making the user divide.
type Rate struct {
	Events float64
	Per    time.Duration
}

// Unlimited reports whether the rate sets no limit.
func (r Rate) Unlimited() bool { return r.Events <= 0 || r.Per <= 0 }

// PerSecond returns the rate in events per second (0 when unlimited), the
// unit golang.org/x/time/rate.Limit takes.
func (r Rate) PerSecond() float64 {
	if r.Unlimited() {
		return 0
	}
	return r.Events / r.Per.Seconds()
}

func (r Rate) String() string {
	if r.Unlimited() {
		return "0"
	}
	ev := strconv.FormatFloat(r.Events, 'f', -1, 64)
	switch r.Per {
	case time.Second:
		return ev + "/s"
	case time.Minute:
		return ev + "/m"
	case time.Hour:
		return ev + "/h"
	}
	return ev + "/" + Duration(r.Per).String()
}

// MarshalYAML writes the rate as config reads it.
func (r Rate) MarshalYAML() (any, error) { return r.String(), nil }

// MarshalJSON writes the rate as config reads it.
func (r Rate) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// ParseRate parses a Rate.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("invalid rate %q: write requests per period, as in 3/s, 450/15m or 2/5s", s)
	if s == "" || s == "0" {
		return Rate{}, nil
	}
	num, per, found := strings.Cut(s, "/")
	ev, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || ev < 0 {
		return Rate{}, bad
	}
	if !found {
		return Rate{Events: ev, Per: time.Second}, nil
	}
	per = strings.TrimSpace(per)
	if per != "" && per[0] >= 'a' && per[0] <= 'z' {
		per = "1" + per // "s" -> "1s"
	}
	d, err := ParseDuration(per)
	if err != nil || d <= 0 {
		return Rate{}, bad
	}
	return Rate{Events: ev, Per: d.D()}, nil
}
