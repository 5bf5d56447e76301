// Package deploy writes the files that run memepipe's pipelines on their
// schedules without `memepipe serve`: crontab lines, systemd service and
// timer units, and AWS EventBridge Scheduler definitions. Each pipeline's
// cron expression is translated into the target's own syntax, or refused
// with a reason when the target cannot express it.
package deploy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pipeline is what deployment needs of a pipeline.
type Pipeline struct {
	Name     string
	Schedule string // 5-field cron, @hourly-style macro, or @every D
	Timezone string // IANA name; "" is UTC
}

// Fields is a schedule as five cron fields.
type Fields struct {
	Minute, Hour, Dom, Month, Dow string
}

var macros = map[string]Fields{
	"@yearly":   {"0", "0", "1", "1", "*"},
	"@annually": {"0", "0", "1", "1", "*"},
	"@monthly":  {"0", "0", "1", "*", "*"},
	"@weekly":   {"0", "0", "*", "*", "0"},
	"@daily":    {"0", "0", "*", "*", "*"},
	"@midnight": {"0", "0", "*", "*", "*"},
	"@hourly":   {"0", "*", "*", "*", "*"},
}

// CronFields splits a schedule into five fields: macros expand, and
// "@every D" becomes a step when D divides an hour or a day evenly (the
// slots memepipe's scheduler uses are multiples of D since midnight UTC,
// which is what the step expresses).
func CronFields(expr string) (Fields, error) {
	e := strings.TrimSpace(expr)
	if f, ok := macros[e]; ok {
		return f, nil
	}
	if rest, ok := strings.CutPrefix(e, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return Fields{}, fmt.Errorf("schedule %q: %v", expr, err)
		}
		switch {
		case d >= time.Minute && d < time.Hour && time.Hour%d == 0 && d%time.Minute == 0:
			return Fields{"*/" + strconv.Itoa(int(d/time.Minute)), "*", "*", "*", "*"}, nil
		case d >= time.Hour && d < 24*time.Hour && 24*time.Hour%d == 0 && d%time.Hour == 0:
			return Fields{"0", "*/" + strconv.Itoa(int(d/time.Hour)), "*", "*", "*"}, nil
		case d == 24*time.Hour:
			return macros["@daily"], nil
		}
		return Fields{}, fmt.Errorf("schedule %q: cron can express @every only for steps that divide an hour or a day evenly; write a 5-field expression", expr)
	}
	if strings.HasPrefix(e, "@") {
		return Fields{}, fmt.Errorf("schedule %q: unknown macro", expr)
	}
	p := strings.Fields(e)
	if len(p) != 5 {
		return Fields{}, fmt.Errorf("schedule %q: want 5 fields (minute hour day-of-month month day-of-week)", expr)
	}
	return Fields{p[0], p[1], p[2], p[3], p[4]}, nil
}

func (f Fields) String() string {
	return strings.Join([]string{f.Minute, f.Hour, f.Dom, f.Month, f.Dow}, " ")
}
