package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const scheduledConfig = `
pipelines:
  - name: social
    schedule: "@every 15m"
    tasks:
      - name: collect
        command: ["sh", "-c", "echo collected >> ran.txt; sleep ${SLEEP:-0}"]
  - name: adhoc
    tasks:
      - name: x
        command: ["true"]
`

// The crontab's command, run as cron would (sh -c in the entry's
// environment), runs the pipeline; a second copy while the first still
// holds the lock exits at once without running (flock -n).
func TestExportCrontabCommandRuns(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), scheduledConfig)
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	r := memepipe(t, dir, nil, "export", "crontab", "--binary", binary, "--workdir", dir, "--log-dir", logs, "--lock-dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var entry string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "*/15 * * * * ") {
			entry = strings.TrimPrefix(l, "*/15 * * * * ")
		}
	}
	if entry == "" || !strings.Contains(r.stdout, "CRON_TZ=UTC") || !strings.Contains(r.stdout, "# adhoc: no schedule") {
		t.Fatalf("crontab:\n%s", r.stdout)
	}
	run := func(sleep string) *exec.Cmd {
		c := exec.Command("sh", "-c", strings.ReplaceAll(entry, `\%`, "%"))
		c.Env = cleanEnv([]string{"SLEEP=" + sleep})
		return c
	}
	slow := run("2")
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := run("0").Run(); err == nil {
		t.Error("a second run while the first holds the lock did not fail fast")
	}
	if err := slow.Wait(); err != nil {
		b, _ := os.ReadFile(filepath.Join(logs, "memepipe-social.log"))
		t.Fatalf("the crontab command failed: %v\n%s", err, b)
	}
	ran, _ := os.ReadFile(filepath.Join(dir, "ran.txt"))
	if strings.Count(string(ran), "collected") != 1 {
		t.Errorf("ran.txt: %q, want one run", ran)
	}
	b, _ := os.ReadFile(filepath.Join(logs, "memepipe-social.log"))
	if !strings.Contains(string(b), "succeeded") {
		t.Errorf("log file:\n%s", b)
	}
}

// The systemd service's ExecStart line runs the pipeline too.
func TestExportSystemdExecStartRuns(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), scheduledConfig)
	r := memepipe(t, dir, nil, "export", "systemd", "--binary", binary, "--workdir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var exe string
	for _, l := range strings.Split(r.stdout, "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			exe = v
		}
	}
	if exe == "" || !strings.Contains(r.stdout, "OnCalendar=*-*-* *:0/15:00 UTC") || !strings.Contains(r.stdout, "### memepipe-social.timer") {
		t.Fatalf("units:\n%s", r.stdout)
	}
	c := exec.Command("sh", "-c", exe)
	c.Dir = dir
	c.Env = cleanEnv(nil)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("ExecStart %q: %v\n%s", exe, err, out)
	}
	if ran, _ := os.ReadFile(filepath.Join(dir, "ran.txt")); !strings.Contains(string(ran), "collected") {
		t.Error("ExecStart did not run the pipeline")
	}
	if eb := memepipe(t, dir, nil, "export", "eventbridge"); eb.code != 0 || !strings.Contains(eb.stdout, `"ScheduleExpression": "cron(*/15 * * * ? *)"`) {
		t.Errorf("eventbridge: exit %d\n%s%s", eb.code, eb.stdout, eb.stderr)
	}
}
