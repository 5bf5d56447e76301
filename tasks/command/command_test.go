package command

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"memepipe/pipeline"
)

// syncBuf is a goroutine-safe log, as the engine's is.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func taskContext(log *syncBuf) *pipeline.TaskContext {
	return &pipeline.TaskContext{
		RunID: "run-7", Pipeline: "demo", Task: "collect", Attempt: 2,
		Interval: pipeline.Interval{Start: time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 6, 1, 0, 0, 0, time.UTC)},
		Log:      log,
	}
}

func TestExitStatuses(t *testing.T) {
	tests := []struct {
		name      string
		argv      []string
		wantErr   string // "" for success
		wantClass pipeline.Class
	}{
		{"true", []string{"true"}, "", 0},
		{"exit 1", []string{"sh", "-c", "echo first; echo 'KeyError: data' >&2; exit 1"}, `command "sh" exited with status 1: KeyError: data`, pipeline.ClassTransient},
		{"EX_TEMPFAIL", []string{"sh", "-c", "echo rate limited; exit 75"}, `command "sh" exited with status 75 (EX_TEMPFAIL): rate limited`, pipeline.ClassTransient},
		{"signal", []string{"sh", "-c", "kill -9 $$"}, `command "sh" killed by signal killed`, pipeline.ClassTransient},
		{"not in PATH", []string{"memepipe-no-such-program"}, `command "memepipe-no-such-program": exec: "memepipe-no-such-program": executable file not found in $PATH`, pipeline.ClassPermanent},
		{"missing path", []string{"./no/such/collect.py"}, `command "./no/such/collect.py": fork/exec ./no/such/collect.py: no such file or directory`, pipeline.ClassPermanent},
		{"empty argv", nil, "command: no program given", pipeline.ClassPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Runner{Argv: tt.argv}.Run(context.Background(), taskContext(&syncBuf{}))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
			}
			if c := pipeline.Classify(err); c != tt.wantClass {
				t.Errorf("class = %v, want %v", c, tt.wantClass)
			}
			// exit 75 is marked transient explicitly; exit 1 is only unmarked.
			if tt.name == "EX_TEMPFAIL" && !strings.Contains(err.Error(), "75") {
				t.Error("EX_TEMPFAIL error does not name the status")
			}
		})
	}
}

func TestOutputAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	log := &syncBuf{}
	t.Setenv("MEMEPIPE_TEST_INHERITED", "from-parent")
	r := Runner{
		Argv:    []string{"sh", "-c", `echo "out $MEMEPIPE_RUN_ID $MEMEPIPE_PIPELINE $MEMEPIPE_TASK $MEMEPIPE_ATTEMPT"; echo "iv $MEMEPIPE_INTERVAL_START $MEMEPIPE_INTERVAL_END" >&2; echo "env $TOKEN_LIST $MEMEPIPE_TEST_INHERITED"; pwd`},
		Env:     map[string]string{"TOKEN_LIST": "PEPE,WIF", "MEMEPIPE_TASK": "overridden?"},
		Workdir: dir,
	}
	if _, err := r.Run(context.Background(), taskContext(log)); err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	want := "out run-7 demo collect 2\n" +
		"iv 2025-03-06T00:00:00Z 2025-03-06T01:00:00Z\n" +
		"env PEPE,WIF from-parent\n" +
		real + "\n"
	if got := log.String(); got != want {
		t.Errorf("log =\n%s\nwant\n%s", got, want)
	}
}

func TestRelativeProgramInWorkdir(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "collect.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho collected $1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	log := &syncBuf{}
	if _, err := (Runner{Argv: []string{"./collect.sh", "PEPE"}, Workdir: dir}).Run(context.Background(), taskContext(log)); err != nil {
		t.Fatal(err)
	}
	if log.String() != "collected PEPE\n" {
		t.Errorf("log = %q", log.String())
	}
	if err := os.Chmod(script, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := (Runner{Argv: []string{"./collect.sh"}, Workdir: dir}).Run(context.Background(), taskContext(log))
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("non-executable script: err = %v, want a permanent permission error", err)
	}
	_, err = (Runner{Argv: []string{"true"}, Workdir: filepath.Join(dir, "missing")}).Run(context.Background(), taskContext(log))
	if !pipeline.IsPermanent(err) {
		t.Errorf("missing workdir: err = %v, want permanent", err)
	}
}

// TestTimeoutKillsProcessGroup: a shell that started a long sleep in the
// background is stopped with its child when the context's deadline passes.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	log := &syncBuf{}
	start := time.Now()
	_, err := Runner{Argv: []string{"sh", "-c", "sleep 30 & echo $! > " + pidFile + "; wait"}, KillDelay: 200 * time.Millisecond}.Run(ctx, taskContext(log))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want one wrapping context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("Run returned after %v; the kill did not work", elapsed)
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	// The group got SIGTERM; sleep dies of it. Its parent is gone, so it
	// may linger as a zombie until init reaps it: that counts as dead.
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("background child %d survived the attempt", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCancelSendsTERMFirst: a program that handles SIGTERM gets to clean up.
func TestCancelSendsTERMFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		_, err := Runner{Argv: []string{"sh", "-c", `trap 'echo cleaned up; exit 3' TERM; echo ready; while :; do sleep 0.05; done`}, KillDelay: 5 * time.Second}.Run(ctx, taskContext(log))
		done <- err
	}()
	for !strings.Contains(log.String(), "ready") {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	err := <-done
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want one wrapping context.Canceled", err)
	}
	if !strings.Contains(log.String(), "cleaned up") {
		t.Errorf("log = %q: the TERM handler did not run", log.String())
	}
}

// TestIgnoresTERM: a program that ignores SIGTERM is killed after KillDelay.
func TestIgnoresTERM(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		_, err := Runner{Argv: []string{"sh", "-c", `trap '' TERM; echo ready; while :; do sleep 0.05; done`}, KillDelay: 100 * time.Millisecond}.Run(ctx, taskContext(log))
		done <- err
	}()
	for !strings.Contains(log.String(), "ready") {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "signal: killed") {
			t.Errorf("err = %v, want the SIGKILL named", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a program ignoring SIGTERM was never killed")
	}
}

func TestLastLineCapped(t *testing.T) {
	var sink bytes.Buffer
	l := &lastLine{w: &sink}
	l.Write([]byte("one\n\n  two  \n"))
	if l.last() != "two" {
		t.Errorf("last = %q", l.last())
	}
	l.Write([]byte(strings.Repeat("x", 1000)))
	if got := l.last(); len(got) != maxLastLine || !strings.HasSuffix(got, "...") {
		t.Errorf("unfinished long line: len %d %q...", len(got), got[:10])
	}
	if sink.Len() != len("one\n\n  two  \n")+1000 {
		t.Errorf("passed through %d bytes", sink.Len())
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil && !os.IsNotExist(err)
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
