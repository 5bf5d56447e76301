package temporal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/store/storetest"
)

func randomName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// worker is a `memepipe worker` subprocess.
type workerProc struct {
	cmd *exec.Cmd
	log *bytes.Buffer
}

func (w *workerProc) stop() {
	if w.cmd.ProcessState == nil {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { w.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = w.cmd.Process.Kill()
			<-done
		}
	}
}

// cleanEnv is the test's environment without MEMEPIPE_* variables.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEMEPIPE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func startWorker(t *testing.T, bin, dir, config, db, hostPort, queue string, extra ...string) *workerProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"worker", "--config", config, "--temporal", hostPort, "--task-queue", queue,
		"--heartbeat-timeout", "2s", "--stop-timeout", "2s", "--log-format", "text", "--log-level", "info"}, extra...)...)
	cmd.Dir = dir
	cmd.Env = cleanEnv("MEMEPIPE_DB=" + db)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	w := &workerProc{cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = w.log, w.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.stop)
	return w
}

func run(t *testing.T, bin, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return string(out), 0
}

// parentPid reads a process's parent from /proc.
func parentPid(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// pid (comm) state ppid ...; comm may hold spaces, so cut at the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return strconv.Atoi(f[1])
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
	}
}

const fleetYAML = `
max_parallel: 4
pipelines:
  - name: fleet
    interval: 1h
    tasks:
      - name: collect_social
        command: [sh, -c, 'sleep 0.3; echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
      - name: collect_onchain
        command: [sh, -c, 'sleep 0.3; echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
      # clean says where it runs, works for a while, then appends: a worker
      # killed while it works must leave no line behind.
      - name: clean
        depends_on: [collect_social, collect_onchain]
        command: [sh, -c, 'echo $$ > clean.$MEMEPIPE_ATTEMPT.pid; sleep 3; echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
      - name: analyze_sentiment
        depends_on: [clean]
        command: [sh, -c, 'echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
      - name: analyze_risk
        depends_on: [clean]
        command: [sh, -c, 'echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
      - name: score
        depends_on: [analyze_sentiment, analyze_risk]
        command: [sh, -c, 'echo "$MEMEPIPE_TASK $MEMEPIPE_ATTEMPT" >> out.log']
`

// THE FLEET TEST. A run goes through two worker processes; the one running
// clean is SIGKILLed mid-task. The run must complete on the other worker,
// with one run row, a closed attempt for the lost worker, every task's
// side effect exactly once (the killed command died with its worker), and
// `memepipe runs show` reading it like a local run.
func TestTwoWorkersSurviveSIGKILL(t *testing.T) {
	db := storetest.PostgresURL(t)
	devServer(t)
	bin := memepipeBinary(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "memepipe.yaml")
	if err := os.WriteFile(config, []byte(fleetYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	queue := randomName("fleet-")
	hostPort := devHostPort
	w1 := startWorker(t, bin, dir, config, db, hostPort, queue)
	w2 := startWorker(t, bin, dir, config, db, hostPort, queue)
	workers := map[int]*workerProc{w1.cmd.Process.Pid: w1, w2.cmd.Process.Pid: w2}

	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		out, code := run(t, bin, dir, []string{"MEMEPIPE_DB=" + db}, "temporal", "run", "--config", config, "--temporal", hostPort,
			"--task-queue", queue, "--pipeline", "fleet", "--start", "2026-11-28T17:00:00Z", "--end", "2026-11-28T18:00:00Z")
		done <- result{out, code}
	}()

	// Wait for clean's first attempt, find its worker, kill that worker.
	var shell int
	waitFor(t, "clean's first attempt", 60*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "clean.1.pid"))
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			shell, _ = strconv.Atoi(string(bytes.TrimSpace(b)))
			return true
		}
		return false
	})
	ppid, err := parentPid(shell)
	if err != nil {
		t.Fatalf("clean's shell %d: %v", shell, err)
	}
	victim := workers[ppid]
	if victim == nil {
		t.Fatalf("clean's shell %d has parent %d, not one of the workers %v", shell, ppid, workers)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	var survivor int
	for pid := range workers {
		if pid != ppid {
			survivor = pid
		}
	}
	// The killed worker's command must die with it.
	waitFor(t, "the killed worker's command to die", 5*time.Second, func() bool {
		return errors.Is(syscall.Kill(shell, 0), syscall.ESRCH)
	})

	var res result
	select {
	case res = <-done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the run did not finish\nsurvivor log:\n%s", workers[survivor].log.String())
	}
	if res.code != 0 || !strings.Contains(res.out, " success") {
		t.Fatalf("memepipe temporal run: exit %d\n%s\nsurvivor log:\n%s", res.code, res.out, workers[survivor].log.String())
	}

	st, err := open.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	runs, err := st.ListRuns(ctx, store.RunFilter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v %v, want exactly one", runs, err)
	}
	r := runs[0]
	if r.State != pipeline.Success || r.Owner != "" || r.Interval.Start != time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC) {
		t.Errorf("run %+v", r)
	}
	wantHistory(t, history(t, st, r.ID), map[string]string{
		"collect_social": "success", "collect_onchain": "success",
		"clean":             "up_for_retry,success",
		"analyze_sentiment": "success", "analyze_risk": "success", "score": "success",
	})
	trs, _ := st.ListTaskRuns(ctx, r.ID)
	for _, tr := range trs {
		if tr.Task != "clean" {
			continue
		}
		log, _ := st.TaskRunLog(ctx, r.ID, "clean", tr.Attempt)
		switch tr.Attempt {
		case 1:
			if !strings.HasPrefix(tr.Error, "zombie: worker lost") || !strings.Contains(log, fmt.Sprintf(":%d (temporal attempt 1", ppid)) {
				t.Errorf("clean attempt 1: error %q, log:\n%s", tr.Error, log)
			}
		case 2:
			if !strings.Contains(log, fmt.Sprintf(":%d (temporal attempt 1", survivor)) {
				t.Errorf("clean attempt 2 did not run on the surviving worker %d:\n%s", survivor, log)
			}
		}
	}

	// Every task's side effect happened once per recorded success.
	b, err := os.ReadFile(filepath.Join(dir, "out.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	sort.Strings(lines)
	want := []string{"analyze_risk 1", "analyze_sentiment 1", "clean 2", "collect_onchain 1", "collect_social 1", "score 1"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("out.log lines %q, want %q", lines, want)
	}

	// The CLI reads the Temporal-driven run like a local one.
	out, code := run(t, bin, dir, []string{"MEMEPIPE_DB=" + db}, "runs", "show", r.ID, "--json")
	var shown struct {
		State string `json:"state"`
		Tasks []struct {
			Name     string `json:"name"`
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
		} `json:"tasks"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.State != "success" || len(shown.Tasks) != 6 {
		t.Fatalf("runs show: exit %d\n%s", code, out)
	}
	for _, task := range shown.Tasks {
		if task.Name == "clean" && (task.State != "success" || task.Attempts != 2) {
			t.Errorf("runs show: clean %+v, want success after 2 attempts", task)
		}
	}
}

const tickerYAML = `
pipelines:
  - name: ticker
    schedule: "@every 1m"
    overlap: buffer_one
    catchup_window: 10m
    tasks:
      - name: tick
        command: [sh, -c, 'echo "$MEMEPIPE_INTERVAL_START $MEMEPIPE_INTERVAL_END" >> ticks.log']
`

const goneYAML = `
  - name: gone
    schedule: "30 6 * * 1-5"
    timezone: Europe/Berlin
    tasks:
      - name: noop
        command: ["true"]
`

// A synced Schedule fires the run workflow, which runs the interval that
// ends at the slot; a pipeline removed from the config loses its Schedule.
func TestSchedulesSyncFireAndDelete(t *testing.T) {
	db := storetest.PostgresURL(t)
	c := devServer(t)
	bin := memepipeBinary(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "memepipe.yaml")
	if err := os.WriteFile(config, []byte(tickerYAML+goneYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	queue := randomName("ticker-")
	hostPort := devHostPort
	env := []string{"MEMEPIPE_DB=" + db}
	sync := func() string {
		out, code := run(t, bin, dir, env, "schedules", "sync", "--config", config, "--temporal", hostPort, "--task-queue", queue)
		if code != 0 {
			t.Fatalf("schedules sync: exit %d\n%s", code, out)
		}
		return out
	}
	out := sync()
	if !strings.Contains(out, "created memepipe-ticker\n") || !strings.Contains(out, "created memepipe-gone\n") {
		t.Fatalf("first sync:\n%s", out)
	}
	ctx := context.Background()
	sc := c.ScheduleClient()
	d, err := sc.GetHandle(ctx, "memepipe-ticker").Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Schedule.Spec.Intervals) != 1 || d.Schedule.Spec.Intervals[0].Every != time.Minute ||
		d.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE || d.Schedule.Policy.CatchupWindow != 10*time.Minute {
		t.Errorf("ticker schedule spec %+v policy %+v", d.Schedule.Spec, d.Schedule.Policy)
	}
	if a, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction); !ok || a.TaskQueue != queue || fmt.Sprint(a.Workflow) != WorkflowName {
		t.Errorf("ticker action %+v", d.Schedule.Action)
	}
	g, err := sc.GetHandle(ctx, "memepipe-gone").Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g.Schedule.Spec.TimeZoneName != "Europe/Berlin" || len(g.Schedule.Spec.Calendars) != 1 || g.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP || g.Schedule.Policy.CatchupWindow != DefaultCatchupWindow {
		t.Errorf("gone schedule spec %+v policy %+v", g.Schedule.Spec, g.Schedule.Policy)
	}

	startWorker(t, bin, dir, config, db, hostPort, queue)
	before := time.Now().UTC()
	if err := sc.GetHandle(ctx, "memepipe-ticker").Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := open.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var fired pipeline.Run
	waitFor(t, "a scheduled run of ticker to succeed", 60*time.Second, func() bool {
		runs, err := st.ListRuns(ctx, store.RunFilter{Pipeline: "ticker", States: []pipeline.State{pipeline.Success}})
		if err != nil || len(runs) == 0 {
			return false
		}
		fired = runs[0]
		return true
	})
	// The slot is the trigger time; the run covers the minute that ended
	// at or before it.
	end := fired.Interval.End
	if fired.Trigger != pipeline.TriggerSchedule || fired.Interval.Duration() != time.Minute || end.Second() != 0 || end.After(time.Now()) || end.Before(before.Add(-2*time.Minute)) {
		t.Errorf("fired run %+v (triggered at %s)", fired, before)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ticks.log"))
	if !strings.Contains(string(b), fired.Interval.Start.Format(time.RFC3339)+" "+end.Format(time.RFC3339)) {
		t.Errorf("ticks.log %q does not hold the run's interval %s", b, fired.Interval)
	}

	// gone leaves the config: the next sync deletes its Schedule. Listing
	// schedules is eventually consistent, so allow a few syncs.
	if err := os.WriteFile(config, []byte(tickerYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	var last string
	waitFor(t, "sync to delete memepipe-gone", 20*time.Second, func() bool {
		last = sync()
		return strings.Contains(last, "deleted memepipe-gone\n")
	})
	if !strings.Contains(last, "updated memepipe-ticker\n") {
		t.Errorf("last sync:\n%s", last)
	}
	_, err = sc.GetHandle(ctx, "memepipe-gone").Describe(ctx)
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("memepipe-gone after sync: %v, want not found", err)
	}
	if _, err := sc.GetHandle(ctx, "memepipe-ticker").Describe(ctx); err != nil {
		t.Errorf("memepipe-ticker after sync: %v", err)
	}
	_ = sc.GetHandle(ctx, "memepipe-ticker").Delete(ctx)
}

const pagingYAML = `
task_defaults:
  retry_delay: 100ms
pipelines:
  - name: paging
    interval: 1h
    freshness: 1h
    tasks:
      - name: fine
        command: ["true"]
      - name: flaky
        retries: 1
        command: [sh, -c, 'test "$MEMEPIPE_ATTEMPT" -ge 2']
      - name: broken
        retries: 0
        command: [sh, -c, 'echo "disk full" >&2; exit 3']
      - name: after_broken
        depends_on: [broken]
        command: ["true"]
      - name: slowpoke
        sla: 1s
        command: [sleep, "2"]
alerts:
  notifiers:
    - {name: hook, type: webhook, url: "%s"}
`

// A worker feeds its attempts to the alert rules and to /metrics as the
// engine does under memepipe serve: the task that failed pages once
// through the config's webhook, and the scrape counts every attempt.
func TestWorkerAlertsAndMetrics(t *testing.T) {
	db := storetest.PostgresURL(t)
	devServer(t)
	bin := memepipeBinary(t)
	dir := t.TempDir()

	var (
		mu     sync.Mutex
		alerts []map[string]any
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		alerts = append(alerts, a)
		mu.Unlock()
	}))
	defer hook.Close()
	config := filepath.Join(dir, "memepipe.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(pagingYAML, hook.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	metricsAddr, err := freeHostPort()
	if err != nil {
		t.Fatal(err)
	}
	queue := randomName("paging-")
	w := startWorker(t, bin, dir, config, db, devHostPort, queue, "--metrics-addr", metricsAddr, "--watch-freshness")

	out, code := run(t, bin, dir, []string{"MEMEPIPE_DB=" + db}, "temporal", "run", "--config", config, "--temporal", devHostPort,
		"--task-queue", queue, "--pipeline", "paging", "--start", "2026-11-28T17:00:00Z", "--end", "2026-11-28T18:00:00Z")
	if code == 0 || !strings.Contains(out, "failed") {
		t.Fatalf("memepipe temporal run: exit %d, want a failed run\n%s\nworker log:\n%s", code, out, w.log.String())
	}

	var scrape string
	waitFor(t, "the worker's /metrics to count the finished run", 20*time.Second, func() bool {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		scrape = string(b)
		return strings.Contains(scrape, `memepipe_runs_total{pipeline="paging",state="failed"} 1`)
	})
	for _, want := range []string{
		`memepipe_task_attempts_total{pipeline="paging",state="success",task="fine"} 1`,
		`memepipe_task_attempts_total{pipeline="paging",state="up_for_retry",task="flaky"} 1`,
		`memepipe_task_attempts_total{pipeline="paging",state="success",task="flaky"} 1`,
		`memepipe_task_attempts_total{pipeline="paging",state="failed",task="broken"} 1`,
		`memepipe_task_attempts_total{pipeline="paging",state="upstream_failed",task="after_broken"} 1`,
		`memepipe_handoff_seconds_count`,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("/metrics lacks %s\n%s", want, grepLines(scrape, "memepipe_task_attempts_total", "memepipe_runs_total"))
		}
	}

	// The webhook is called from the worker's dispatcher: wait for it.
	defer func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", w.log.String())
		}
	}()
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, a := range alerts {
			out = append(out, fmt.Sprintf("%v %v %v", a["rule"], a["task"], a["status"]))
		}
		sort.Strings(out)
		return out
	}
	// broken pages; slowpoke, still sleeping at its 1s SLA, pages and
	// resolves when it finishes; the pipeline, which never succeeded within
	// its freshness window, is stale (--watch-freshness).
	want := []string{"sla_miss slowpoke firing", "sla_miss slowpoke resolved", "stale <nil> firing", "task_failed broken firing"}
	waitFor(t, "the alerts", 20*time.Second, func() bool { return len(got()) >= len(want) })
	time.Sleep(500 * time.Millisecond) // nothing else may follow
	if g := got(); strings.Join(g, "|") != strings.Join(want, "|") {
		t.Errorf("webhook received %q, want %q", g, want)
	}
}

// grepLines keeps the lines of s that start with one of the prefixes.
func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
