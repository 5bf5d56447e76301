package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Schedule is an EventBridge Scheduler schedule (the CreateSchedule input).
type Schedule struct {
	Name                       string             `json:"Name"`
	GroupName                  string             `json:"GroupName,omitempty"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     Target             `json:"Target"`
	State                      string             `json:"State"`
	Description                string             `json:"Description,omitempty"`
}

// FlexibleTimeWindow is OFF: slots fire on time.
type FlexibleTimeWindow struct {
	Mode string `json:"Mode"`
}

// Target invokes the memepipe Lambda function.
type Target struct {
	Arn         string       `json:"Arn"`
	RoleArn     string       `json:"RoleArn"`
	Input       string       `json:"Input"`
	RetryPolicy *RetryPolicy `json:"RetryPolicy,omitempty"`
}

// RetryPolicy bounds EventBridge's own retries of a failed invocation.
type RetryPolicy struct {
	MaximumEventAgeInSeconds int `json:"MaximumEventAgeInSeconds"`
	MaximumRetryAttempts     int `json:"MaximumRetryAttempts"`
}

// AWSCron translates a schedule into EventBridge's six-field cron(...):
// minutes hours day-of-month month day-of-week year, where one of the two
// day fields must be "?" and days of week are SUN-SAT.
func AWSCron(expr string) (string, error) {
	f, err := CronFields(expr)
	if err != nil {
		return "", err
	}
	dom, dow := f.Dom, f.Dow
	switch {
	case dom != "*" && dow != "*":
		return "", fmt.Errorf("schedule %q restricts both day of month and day of week; EventBridge allows only one", expr)
	case dow == "*":
		dow = "?"
	default:
		dom = "?"
		var err error
		if dow, err = awsDow(dow); err != nil {
			return "", fmt.Errorf("schedule %q: %v", expr, err)
		}
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f.Minute, f.Hour, dom, f.Month, dow), nil
}

var awsDays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}

// awsDow renames cron's 0-7 days of week (Sunday 0 or 7) as SUN-SAT.
func awsDow(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '7' && (i+1 == len(v) || v[i+1] < '0' || v[i+1] > '9') && (i == 0 || v[i-1] != '/') {
			b.WriteString(awsDays[c-'0'])
			continue
		}
		if c == '/' {
			return "", fmt.Errorf("steps over days of week are not supported")
		}
		b.WriteByte(c)
	}
	return strings.ToUpper(b.String()), nil
}

// EventBridge writes one schedule per scheduled pipeline, invoking the
// memepipe Lambda with {"pipeline": P, "scheduled_time": <slot>}: the
// handler runs the interval that ends at the slot.
func EventBridge(w io.Writer, ps []Pipeline, functionARN, roleARN string) error {
	var out []Schedule
	for _, p := range ps {
		if p.Schedule == "" {
			continue
		}
		expr, err := AWSCron(p.Schedule)
		if err != nil {
			return fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		tz := p.Timezone
		if tz == "" {
			tz = "UTC"
		}
		// EventBridge substitutes the literal text <aws.scheduler.scheduled-time>
		// in Input: it must not be escaped as \u003c...\u003e, which
		// json.Marshal does to < and > by default.
		var ib strings.Builder
		ienc := json.NewEncoder(&ib)
		ienc.SetEscapeHTML(false)
		_ = ienc.Encode(map[string]string{"pipeline": p.Name, "scheduled_time": "<aws.scheduler.scheduled-time>"})
		input := strings.TrimSuffix(ib.String(), "\n")
		out = append(out, Schedule{
			Name: "memepipe-" + p.Name, ScheduleExpression: expr, ScheduleExpressionTimezone: tz,
			FlexibleTimeWindow: FlexibleTimeWindow{Mode: "OFF"}, State: "ENABLED",
			Description: "memepipe pipeline " + p.Name + " (" + p.Schedule + ")",
			Target: Target{Arn: functionARN, RoleArn: roleARN, Input: input,
				RetryPolicy: &RetryPolicy{MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
