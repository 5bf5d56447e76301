package deploy

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"memepipe/schedule"
)

func TestCronFields(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"*/15 * * * *", "*/15 * * * *", ""},
		{"@hourly", "0 * * * *", ""},
		{"@daily", "0 0 * * *", ""},
		{"@every 15m", "*/15 * * * *", ""},
		{"@every 4h", "0 */4 * * *", ""},
		{"@every 24h", "0 0 * * *", ""},
		{"@every 7m", "", "divide an hour or a day"},
		{"@every 90m", "", "divide an hour or a day"},
		{"0 9 * *", "", "want 5 fields"},
		{"@fortnightly", "", "unknown macro"},
	} {
		f, err := CronFields(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || f.String() != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.in, f, err, tc.want)
		}
	}
}

func TestOnCalendarAgreesWithScheduler(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: calendar expressions are checked only for their text")
	}
	now := time.Now().UTC()
	for _, p := range []Pipeline{
		{"a", "*/15 * * * *", ""},
		{"b", "30 9 * * 1-5", "America/New_York"},
		{"c", "@daily", "Asia/Tokyo"},
		{"d", "5 */4 * * *", "UTC"},
		{"e", "0 6 1 * *", "Europe/Berlin"},
		{"f", "0 12 * * sun,wed", ""},
		{"g", "@every 20m", ""},
	} {
		cal, err := OnCalendar(p)
		if err != nil {
			t.Fatalf("%s: %v", p.Schedule, err)
		}
		out, err := exec.Command(analyze, "calendar", "--iterations=3", cal).CombinedOutput()
		if err != nil {
			t.Fatalf("systemd-analyze calendar %q: %v\n%s", cal, err, out)
		}
		// The scheduler's next three slots must be systemd's next three elapses.
		s, err := schedule.Parse(p.Schedule, p.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for n, i := now, 0; i < 3; i++ {
			n = s.Next(n)
			want = append(want, n.UTC().Format("2006-01-02 15:04:05"))
		}
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s (%s) -> %q: systemd's elapses lack %s:\n%s", p.Schedule, p.Timezone, cal, w, out)
			}
		}
	}
	if _, err := OnCalendar(Pipeline{Schedule: "0 0 13 * 5"}); err == nil || !strings.Contains(err.Error(), "ORs") {
		t.Errorf("dom and dow both restricted: %v", err)
	}
}

func TestAWSCron(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*/15 * * * *", "cron(*/15 * * * ? *)"},
		{"30 9 * * 1-5", "cron(30 9 ? * MON-FRI *)"},
		{"0 12 * * 0,6", "cron(0 12 ? * SUN,SAT *)"},
		{"0 0 1 * *", "cron(0 0 1 * ? *)"},
		{"@hourly", "cron(0 * * * ? *)"},
	} {
		got, err := AWSCron(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := AWSCron("0 0 1 * 1"); err == nil {
		t.Error("both day fields restricted: no error")
	}
}

func TestEventBridgeJSON(t *testing.T) {
	var b bytes.Buffer
	ps := []Pipeline{{"social", "@every 15m", ""}, {"adhoc", "", ""}, {"market", "0 22 * * 1-5", "America/New_York"}}
	if err := EventBridge(&b, ps, "arn:aws:lambda:us-east-1:1:function:memepipe", "arn:aws:iam::1:role/sched"); err != nil {
		t.Fatal(err)
	}
	var out []Schedule
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Name != "memepipe-social" || out[0].ScheduleExpression != "cron(*/15 * * * ? *)" ||
		out[1].ScheduleExpressionTimezone != "America/New_York" || out[1].FlexibleTimeWindow.Mode != "OFF" {
		t.Fatalf("%+v", out)
	}
	var input map[string]string
	if !strings.Contains(out[1].Target.Input, `"scheduled_time":"<aws.scheduler.scheduled-time>"`) {
		t.Errorf("input %q: EventBridge substitutes the placeholder only as literal text", out[1].Target.Input)
	}
	if err := json.Unmarshal([]byte(out[1].Target.Input), &input); err != nil || input["pipeline"] != "market" || input["scheduled_time"] != "<aws.scheduler.scheduled-time>" {
		t.Errorf("input %q", out[1].Target.Input)
	}
}

func TestQuoting(t *testing.T) {
	if got := shellQuote("/opt/memepipe 100%/x'y"); got != `'/opt/memepipe 100\%/x'\''y'` {
		t.Errorf("shellQuote: %s", got)
	}
	if got := systemdQuote("/etc/memepipe/a b%.yaml"); got != `"/etc/memepipe/a b%%.yaml"` {
		t.Errorf("systemdQuote: %s", got)
	}
	if got := systemdQuote("/usr/local/bin/memepipe"); got != "/usr/local/bin/memepipe" {
		t.Errorf("systemdQuote plain: %s", got)
	}
}
