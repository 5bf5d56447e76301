package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/sqlite"
	"memepipe/store/storetest"
	"memepipe/tasks/command"
)

func openSQLite(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(tb testing.TB) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), storetest.PostgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestOnRealStores runs the contract pipeline, then resumes it with b
// fixed, on a SQLite file and on PostgreSQL (when configured).
func TestOnRealStores(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) store.Runs
	}{
		{"sqlite", func(t *testing.T) store.Runs { return openSQLite(t, filepath.Join(t.TempDir(), "memepipe.db")) }},
		{"postgres", func(t *testing.T) store.Runs { return openPostgres(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.open(t)
			dir := t.TempDir()
			fixed := filepath.Join(dir, "fixed")
			dag := &pipeline.DAG{Name: "demo", Tasks: []pipeline.Task{
				{Name: "a", Runner: command.Runner{Argv: []string{"sh", "-c", "echo ran >> a.count"}, Workdir: dir}},
				{Name: "b", DependsOn: []string{"a"}, Runner: command.Runner{Argv: []string{"sh", "-c", "echo trying; test -e " + fixed}},
					Retry: pipeline.RetryPolicy{Attempts: 3, InitialDelay: 10 * time.Millisecond}},
				{Name: "c", DependsOn: []string{"b"}, Runner: command.Runner{Argv: []string{"true"}}},
			}}
			e := testEngine(st, Options{HeartbeatEvery: 5 * time.Millisecond})
			run, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
			if err != nil || run.State != F {
				t.Fatalf("first run: %s %v", run.State, err)
			}
			h := history(t, st, run.ID)
			want := map[string][]pipeline.State{"a": {S}, "b": {UFR, UFR, F}, "c": {UF}}
			for task, w := range want {
				if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
					t.Errorf("%s = %v, want %v", task, got, w)
				}
			}
			if err := os.WriteFile(fixed, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			run2, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
			if err != nil || run2.State != S || run2.ID != run.ID {
				t.Fatalf("resume: %s %s %v", run2.ID, run2.State, err)
			}
			h = history(t, st, run.ID)
			want = map[string][]pipeline.State{"a": {S}, "b": {UFR, UFR, F, S}, "c": {UF, S}}
			for task, w := range want {
				if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
					t.Errorf("after resume %s = %v, want %v", task, got, w)
				}
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "a.count")); string(b) != "ran\n" {
				t.Errorf("a ran %q times; it had succeeded and must not run again", b)
			}
			log, err := st.TaskRunLog(context.Background(), run.ID, "b", 4)
			if err != nil || !strings.Contains(log, "\ntrying\n") || !strings.Contains(log, "engine: attempt 4 ended success") {
				t.Errorf("b's log = %q, %v", log, err)
			}
			stored, _ := st.GetRun(context.Background(), run.ID)
			if stored.State != S || stored.Owner != "" || stored.EndedAt == nil {
				t.Errorf("stored run = %+v", stored)
			}
		})
	}
}

// The crash test re-executes the test binary as the child that crashes.
const (
	crashChildEnv = "MEMEPIPE_ENGINE_CRASH_CHILD" // the child's working directory
	crashStarted  = "b.started"                   // b creates it, then hangs until killed
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashDAG is the same pipeline in child and parent: a is a real command
// that counts its runs, b hangs in the child and succeeds in the parent,
// c follows b.
func crashDAG(dir string, child bool) *pipeline.DAG {
	return &pipeline.DAG{Name: "crash", Tasks: []pipeline.Task{
		{Name: "a", Runner: command.Runner{Argv: []string{"sh", "-c", "echo ran >> a.count"}, Workdir: dir}},
		{Name: "b", DependsOn: []string{"a"}, Retry: pipeline.RetryPolicy{Attempts: 2},
			Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				fmt.Fprintf(tc.Log, "b attempt %d: fetching page 1\n", tc.Attempt)
				if !child {
					return pipeline.Result{RecordsOut: 7}, nil
				}
				// Let a few heartbeats save the log, then say so and hang.
				time.Sleep(100 * time.Millisecond)
				if err := os.WriteFile(filepath.Join(dir, crashStarted), nil, 0o644); err != nil {
					return pipeline.Result{}, err
				}
				select {}
			})},
		{Name: "c", DependsOn: []string{"b"}, Runner: command.Runner{Argv: []string{"sh", "-c", "echo ran >> c.count"}, Workdir: dir}},
	}}
}

func crashChild(dir string) int {
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "memepipe.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	e := New(st, Options{HeartbeatEvery: 10 * time.Millisecond})
	_, err = e.Run(context.Background(), crashDAG(dir, true), testInterval, RunOptions{})
	fmt.Fprintln(os.Stderr, "child run returned, it should have been killed:", err)
	return 4
}

// TestCrashSIGKILL kills a real engine process with SIGKILL in the middle of
// a task, then runs the same interval again from this process: the dead
// owner is recognised at once (same host, pid gone), its attempt is marked
// a zombie, and only what had not succeeded runs.
func TestCrashSIGKILL(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, crashStarted)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatalf("child never started b; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL; stderr:\n%s", err, stderr.String())
	}
	childOwner := fmt.Sprintf("%s:%d", mustHostname(t), child.Process.Pid)

	st := openSQLite(t, filepath.Join(dir, "memepipe.db"))
	ctx := context.Background()
	before, err := st.FindRun(ctx, "crash", testInterval)
	if err != nil {
		t.Fatal(err)
	}
	if before.State != pipeline.Running || before.Owner != childOwner {
		t.Fatalf("after the kill the run is %s owned by %q, want running owned by %s", before.State, before.Owner, childOwner)
	}

	// Default ZombieAfter (30s): only the dead pid lets this claim at once.
	run, err := testEngine(st, Options{}).Run(ctx, crashDAG(dir, false), testInterval, RunOptions{})
	if err != nil || run.State != S || run.ID != before.ID {
		t.Fatalf("resume after crash: %s %s %v", run.ID, run.State, err)
	}
	h := history(t, st, run.ID)
	want := map[string][]pipeline.State{"a": {S}, "b": {UFR, S}, "c": {S}}
	for task, w := range want {
		if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", task, got, w)
		}
	}
	if got, want := h["b"][0].Error, "zombie: owner "+childOwner+" died (process is gone)"; got != want {
		t.Errorf("zombie error = %q, want %q", got, want)
	}
	if h["b"][1].RecordsOut != 7 {
		t.Errorf("b attempt 2 = %+v", h["b"][1])
	}
	log, _ := st.TaskRunLog(ctx, run.ID, "b", 1)
	if !strings.Contains(log, "b attempt 1: fetching page 1") || !strings.Contains(log, "engine: attempt 1 recorded as up_for_retry: zombie: owner") {
		t.Errorf("zombie attempt's log (saved by heartbeats before the kill) = %q", log)
	}
	for file, want := range map[string]string{"a.count": "ran\n", "c.count": "ran\n"} {
		if b, _ := os.ReadFile(filepath.Join(dir, file)); string(b) != want {
			t.Errorf("%s = %q, want %q", file, b, want)
		}
	}
}

func mustHostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
