// Package command runs an external program as a task, so teams can keep
// their existing collectors (Python scripts, shell) inside memepipe's DAGs.
// The exit status decides the outcome: 0 is success, 75 (EX_TEMPFAIL from
// sysexits.h) is a transient failure, any other status a failure retried per
// the task's policy, and a program that cannot be found or executed is a
// permanent failure.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"memepipe/pipeline"
)

// ExitTempFail is EX_TEMPFAIL: "try again later".
const ExitTempFail = 75

// DefaultKillDelay is how long a cancelled command has between SIGTERM and SIGKILL.
const DefaultKillDelay = 3 * time.Second

// Runner runs Argv as one attempt of a task. It implements pipeline.Runner.
type Runner struct {
	// Argv is the program and its arguments; Argv[0] is looked up in PATH
	// unless it contains a slash (then it is relative to Workdir).
	Argv []string
	// Env is added to memepipe's own environment (the program inherits
	// PATH, HOME and secrets passed to memepipe through the environment).
	Env map[string]string
	// Workdir is the program's working directory ("" is memepipe's).
	Workdir string
	// KillDelay is how long the program has between SIGTERM and SIGKILL
	// once the attempt's context ends (timeout or run cancellation);
	// default DefaultKillDelay.
	KillDelay time.Duration
}

var _ pipeline.Runner = Runner{}

// Run starts the program in its own process group with the attempt's
// environment, copies its stdout and stderr into tc.Log, and waits for it.
// When ctx ends, the whole group gets SIGTERM, then SIGKILL after KillDelay,
// so children the program started (a shell's pipeline, a Python pool)
// do not outlive the attempt.
func (r Runner) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	if len(r.Argv) == 0 || r.Argv[0] == "" {
		return pipeline.Result{}, pipeline.Permanent(errors.New("command: no program given"))
	}
	name := r.Argv[0]
	cmd := exec.CommandContext(ctx, name, r.Argv[1:]...)
	if cmd.Err != nil {
		// Lookup in PATH failed: retrying will not make the program appear.
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("command %q: %w", name, cmd.Err))
	}
	cmd.Dir = r.Workdir
	cmd.Env = r.environ(tc)
	cmd.Stdin = nil // /dev/null
	var out io.Writer = io.Discard
	if tc != nil && tc.Log != nil {
		out = tc.Log
	}
	tail := &lastLine{w: out}
	// One writer for both streams: exec then copies them from one
	// goroutine at a time, and the log keeps their interleaving.
	cmd.Stdout, cmd.Stderr = tail, tail
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)

	killDelay := r.KillDelay
	if killDelay <= 0 {
		killDelay = DefaultKillDelay
	}
	var (
		killMu sync.Mutex
		killer *time.Timer
	)
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGTERM)
		killMu.Lock()
		killer = time.AfterFunc(killDelay, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
		killMu.Unlock()
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	// If a grandchild escaped the group and holds stdout open, stop
	// waiting for its output shortly after the kill.
	cmd.WaitDelay = killDelay + time.Second

	err := cmd.Run()
	killMu.Lock()
	if killer != nil {
		killer.Stop()
	}
	killMu.Unlock()
	if err == nil {
		return pipeline.Result{}, nil
	}
	return pipeline.Result{}, r.classify(ctx, name, err, tail.last())
}

func (r Runner) classify(ctx context.Context, name string, err error, last string) error {
	suffix := ""
	if last != "" {
		suffix = ": " + last
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if ctx.Err() != nil {
			// Killed (or exited on SIGTERM) because the attempt ended.
			return fmt.Errorf("command %q stopped (%s) after the attempt's context ended: %w", name, exit.ProcessState, context.Cause(ctx))
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("command %q killed by signal %s%s", name, ws.Signal(), suffix)
		}
		code := exit.ExitCode()
		if code == ExitTempFail {
			return pipeline.Transient(fmt.Errorf("command %q exited with status 75 (EX_TEMPFAIL)%s", name, suffix))
		}
		return fmt.Errorf("command %q exited with status %d%s", name, code, suffix)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, exec.ErrNotFound),
		errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.ENOTDIR):
		// Missing program, not executable, bad workdir: config problems.
		return pipeline.Permanent(fmt.Errorf("command %q: %w", name, err))
	case ctx.Err() != nil:
		return fmt.Errorf("command %q: %w", name, context.Cause(ctx))
	}
	return fmt.Errorf("command %q: %w", name, err)
}

// environ is memepipe's environment, then Env, then the attempt's
// MEMEPIPE_* variables (last, so they cannot be overridden by mistake).
func (r Runner) environ(tc *pipeline.TaskContext) []string {
	env := os.Environ()
	for k, v := range r.Env {
		env = append(env, k+"="+v)
	}
	if tc != nil {
		env = append(env,
			"MEMEPIPE_RUN_ID="+tc.RunID,
			"MEMEPIPE_PIPELINE="+tc.Pipeline,
			"MEMEPIPE_TASK="+tc.Task,
			"MEMEPIPE_ATTEMPT="+strconv.Itoa(tc.Attempt),
			"MEMEPIPE_INTERVAL_START="+tc.Interval.Start.UTC().Format(time.RFC3339),
			"MEMEPIPE_INTERVAL_END="+tc.Interval.End.UTC().Format(time.RFC3339),
		)
	}
	return env // exec keeps the last value of a duplicated key
}

// lastLine passes output through and remembers its last non-empty line,
// which goes into the error: "exited with status 1: KeyError: 'data'" says
// more in an alert than the status alone.
type lastLine struct {
	w   io.Writer
	buf []byte // the current unfinished line, capped
	ln  string // the last complete non-empty line
}

const maxLastLine = 300

func (l *lastLine) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	for _, b := range p {
		if b == '\n' {
			if s := strings.TrimSpace(string(l.buf)); s != "" {
				l.ln = s
			}
			l.buf = l.buf[:0]
			continue
		}
		if len(l.buf) < maxLastLine {
			l.buf = append(l.buf, b)
		}
	}
	return n, err
}

func (l *lastLine) last() string {
	s := l.ln
	if t := strings.TrimSpace(string(l.buf)); t != "" {
		s = t
	}
	s = strings.ToValidUTF8(s, "?")
	if len(s) > maxLastLine-3 {
		s = s[:maxLastLine-3] + "..."
	}
	return s
}
