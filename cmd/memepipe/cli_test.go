package main

// These tests build the real binary once and run it as a subprocess on a
// temporary SQLite database: exit codes, JSON shapes and crash recovery are
// the contract scripts and schedulers depend on, so they are tested the
// way those see them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "memepipe-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "memepipe")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v0.0.0-clitest", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build memepipe:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// memepipe runs the binary in dir with a clean MEMEPIPE_* environment.
func memepipe(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("memepipe %v: %v", args, err)
	}
	return r
}

func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEMEPIPE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The contract from the foundation issue, verbatim.
const contractYAML = `
pipelines:
  - name: demo
    tasks:
      - name: a
        command: ["true"]
      - name: b
        command: ["sh", "-c", "exit 1"]
        depends_on: [a]
        retries: 2
        retry_delay: 10ms
      - name: c
        command: ["true"]
        depends_on: [b]
`

type shownRun struct {
	ID            string    `json:"id"`
	Pipeline      string    `json:"pipeline"`
	State         string    `json:"state"`
	IntervalStart time.Time `json:"interval_start"`
	IntervalEnd   time.Time `json:"interval_end"`
	Tasks         []struct {
		Name     string `json:"name"`
		State    string `json:"state"`
		Attempts int    `json:"attempts"`
		Error    string `json:"error"`
		History  []struct {
			Attempt int    `json:"attempt"`
			State   string `json:"state"`
		} `json:"history"`
	} `json:"tasks"`
}

func showRun(t *testing.T, dir string, env []string, id string) shownRun {
	t.Helper()
	r := memepipe(t, dir, env, "runs", "show", id, "--json")
	if r.code != 0 {
		t.Fatalf("runs show: exit %d\n%s", r.code, r.stderr)
	}
	var v shownRun
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("runs show --json: %v\n%s", err, r.stdout)
	}
	return v
}

func taskStates(v shownRun) map[string]string {
	out := map[string]string{}
	for _, t := range v.Tasks {
		out[t.Name] = fmt.Sprintf("%s/%d", t.State, t.Attempts)
	}
	return out
}

func TestContract(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "that.yaml"), contractYAML)
	env := []string{"MEMEPIPE_DB=" + filepath.Join(dir, "runs.db")}

	r := memepipe(t, dir, env, "run", "--config", "that.yaml", "--pipeline", "demo")
	if r.code != 1 {
		t.Fatalf("run: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// The summary table names every task's outcome.
	for _, want := range []string{"TASK", "a ", "success", "b ", "failed", "c ", "upstream_failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}

	list := memepipe(t, dir, env, "runs", "list", "--json")
	if list.code != 0 {
		t.Fatalf("runs list: exit %d\n%s", list.code, list.stderr)
	}
	var runs []shownRun
	if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("runs list --json: %v %d\n%s", err, len(runs), list.stdout)
	}

	v := showRun(t, dir, env, runs[0].ID)
	if v.ID != runs[0].ID || v.Pipeline != "demo" || v.State != "failed" {
		t.Errorf("run: id %q pipeline %q state %q", v.ID, v.Pipeline, v.State)
	}
	if v.IntervalEnd.Sub(v.IntervalStart) != time.Hour || !v.IntervalEnd.Equal(v.IntervalEnd.Truncate(time.Hour)) {
		t.Errorf("interval [%s, %s), want the last complete hour", v.IntervalStart, v.IntervalEnd)
	}
	got := taskStates(v)
	want := map[string]string{"a": "success/1", "b": "failed/3", "c": "upstream_failed/0"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("task %s = %s, want %s (all: %v)", k, got[k], w, got)
		}
	}

	// A second run for an earlier interval: list is newest first.
	r = memepipe(t, dir, env, "run", "--config", "that.yaml", "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-01T01:00:00Z")
	if r.code != 1 {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	list = memepipe(t, dir, env, "runs", "list", "--json", "--pipeline", "demo")
	runs = nil
	if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != 2 {
		t.Fatalf("runs list --json: %v\n%s", err, list.stdout)
	}
	if !runs[0].IntervalStart.After(runs[1].IntervalStart) || !runs[1].IntervalStart.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("runs not newest first: %s then %s", runs[0].IntervalStart, runs[1].IntervalStart)
	}

	// The failed task's log says why, per attempt.
	logs := memepipe(t, dir, env, "runs", "logs", v.ID, "--task", "b", "--attempt", "2")
	if logs.code != 0 || !strings.Contains(logs.stdout, "exit") {
		t.Errorf("runs logs b attempt 2: exit %d\n%s\n%s", logs.code, logs.stdout, logs.stderr)
	}
}

func TestBadConfigExitsTwoWithKeyPath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.yaml"), `
pipelines:
  - name: p
    tasks:
      - {name: clean, command: ["true"]}
      - {name: collect, command: ["true"]}
      - {name: score, command: ["true"], depends_on: [clen], timeout: 30}
`)
	for _, args := range [][]string{
		{"run", "--config", "bad.yaml"},
		{"config", "validate", "--config", "bad.yaml"},
		{"runs", "list", "--config", "bad.yaml"},
	} {
		r := memepipe(t, dir, []string{"MEMEPIPE_DB=" + filepath.Join(dir, "x.db")}, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
		for _, want := range []string{
			`bad.yaml:7: pipelines[0].tasks[2].depends_on: unknown task "clen" (did you mean "clean"?)`,
			`bad.yaml:7: pipelines[0].tasks[2].timeout: duration 30 has no unit`,
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Error("a database was created for an invalid config")
	}

	// Usage errors are 2 as well.
	for _, args := range [][]string{{"run", "--bogus"}, {"runs", "show"}, {"nonsense"}, {"run", "--demo", "--start", "yesterday"}, {"run", "--demo", "--only", "nope"}} {
		if r := memepipe(t, dir, []string{"MEMEPIPE_DB=" + filepath.Join(dir, "y.db")}, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

func TestConfigShowRedacts(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	writeFile(t, keyFile, "FILESECRET\n")
	r := memepipe(t, dir, []string{
		"MEMEPIPE_TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAAsecretbearer",
		"MEMEPIPE_ETHERSCAN_API_KEY_FILE=" + keyFile,
		"MEMEPIPE_DB=postgres://memepipe:dbpassword@127.0.0.1:5432/memepipe",
	}, "config", "show")
	if r.code != 0 {
		t.Fatalf("config show: exit %d\n%s", r.code, r.stderr)
	}
	for _, leak := range []string{"secretbearer", "FILESECRET", "dbpassword"} {
		if strings.Contains(r.stdout+r.stderr, leak) {
			t.Errorf("config show leaks %q:\n%s", leak, r.stdout)
		}
	}
	for _, want := range []string{"twitter_bearer_token: '[redacted]'", "etherscan_api_key: '[redacted]'", "db: postgres://memepipe:xxxxx@127.0.0.1:5432/memepipe"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config show lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	r := memepipe(t, t.TempDir(), nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "memepipe v0.0.0-clitest\ngo        go1.") {
		t.Errorf("version: exit %d\n%s", r.code, r.stdout)
	}
}

// THE CRASH TEST. A run is SIGKILLed while its middle task runs; running
// the same interval again must finish the run, must not run the first task
// again (it appends a line to a file: one line), and must give the killed
// task a new attempt.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "crash.yaml"), `
pipelines:
  - name: crash
    tasks:
      - name: first
        command: [sh, -c, 'echo "$MEMEPIPE_RUN_ID" >> first.out']
      - name: middle
        depends_on: [first]
        # Attempt 1 says where it is, then sleeps until it is killed.
        command: [sh, -c, 'if [ "$MEMEPIPE_ATTEMPT" = 1 ]; then echo $$ > middle.pid; exec sleep 120; fi; echo recovered']
      - name: last
        depends_on: [middle]
        command: [sh, -c, 'echo done > last.out']
`)
	env := []string{"MEMEPIPE_DB=" + filepath.Join(dir, "crash.db")}
	args := []string{"run", "--config", "crash.yaml", "--start", "2026-11-28T18:00:00Z", "--end", "2026-11-28T19:00:00Z"}

	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "middle.pid")
	var sleeper int
	for deadline := time.Now().Add(30 * time.Second); ; {
		if b, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(b)) != "" {
			sleeper, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("middle never started:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// memepipe died without cleaning up; so would its child. Stop the
	// orphaned sleep (its own process group) so it does not outlive the test.
	if sleeper > 0 {
		syscall.Kill(-sleeper, syscall.SIGKILL)
		syscall.Kill(sleeper, syscall.SIGKILL)
	}

	r := memepipe(t, dir, env, args...)
	if r.code != 0 {
		t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "first.out"))
	if err != nil || strings.Count(string(b), "\n") != 1 {
		t.Errorf("first ran %d times, want once (first.out %q, %v)", strings.Count(string(b), "\n"), b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "last.out")); err != nil {
		t.Errorf("last did not run: %v", err)
	}

	list := memepipe(t, dir, env, "runs", "list", "--json")
	var runs []shownRun
	if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("want one run for the interval: %v\n%s", err, list.stdout)
	}
	v := showRun(t, dir, env, runs[0].ID)
	if v.State != "success" {
		t.Errorf("run state %s, want success", v.State)
	}
	got := taskStates(v)
	if got["first"] != "success/1" || got["middle"] != "success/2" || got["last"] != "success/1" {
		t.Errorf("tasks %v, want first success/1, middle success/2, last success/1", got)
	}
	for _, task := range v.Tasks {
		if task.Name == "middle" && (len(task.History) != 2 || task.History[0].State == "running" || task.History[0].State == "success") {
			t.Errorf("middle history %+v: the killed attempt must be closed as not successful", task.History)
		}
	}
}
