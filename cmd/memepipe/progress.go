package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"memepipe/engine"
	"memepipe/pipeline"
)

// progress shows a run as it goes: a live table on a terminal, one plain
// line per event otherwise (CI logs, cron mail, pipes).
type progress interface {
	Observe(engine.Event)
	// Close stops redrawing; a live table is erased, since the summary
	// table printed next says the same thing, finally.
	Close()
}

// priorFunc returns a run's recorded attempts, latest per task, so the
// display can show what a resumed run will not do again.
type priorFunc func(runID string) map[string]pipeline.TaskRun

// switchWriter lets log lines be rerouted through the live table while it
// is drawn, so a log line never tears it.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	return w.Write(p)
}

// redactWriter scrubs known secret values from what passes through: log
// lines and progress quote errors, and errors quote what commands printed.
type redactWriter struct {
	w      io.Writer
	redact func(string) string
}

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

// ---- plain lines ----

type plainProgress struct {
	mu    sync.Mutex
	w     io.Writer
	prior priorFunc
}

func (p *plainProgress) Observe(ev engine.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := ev.At.UTC().Format("15:04:05.000")
	attempt := 0
	if ev.TaskRun != nil {
		attempt = ev.TaskRun.Attempt
	}
	switch ev.Kind {
	case engine.RunStarted:
		fmt.Fprintf(p.w, "%s run %s: pipeline %s, interval %s\n", ts, ev.Run.ID, ev.Run.Pipeline, ev.Run.Interval)
		if p.prior != nil {
			for name, tr := range p.prior(ev.Run.ID) {
				if tr.State == pipeline.Success || tr.State == pipeline.Skipped {
					fmt.Fprintf(p.w, "%s   %s: %s in an earlier execution (attempt %d)\n", ts, name, tr.State, tr.Attempt)
				}
			}
		}
	case engine.TaskStarted:
		fmt.Fprintf(p.w, "%s   %s: attempt %d running\n", ts, ev.Task, attempt)
	case engine.TaskRetrying:
		fmt.Fprintf(p.w, "%s   %s: attempt %d failed: %s; retrying in %s\n", ts, ev.Task, attempt, firstLine(errText(ev), 200), roundDuration(ev.Wait))
	case engine.TaskFinished:
		state := pipeline.State("")
		if ev.TaskRun != nil {
			state = ev.TaskRun.State
		}
		line := fmt.Sprintf("%s   %s: %s", ts, ev.Task, state)
		if ev.TaskRun != nil && ev.TaskRun.StartedAt != nil {
			line += fmt.Sprintf(" (attempt %d", attempt)
			if d, _ := span(ev.TaskRun.StartedAt, ev.TaskRun.EndedAt); d != "" {
				line += ", " + d
			}
			line += ")"
		}
		if e := errText(ev); e != "" {
			line += ": " + firstLine(e, 200)
		}
		fmt.Fprintln(p.w, line)
	case engine.SLAMissed:
		what := "run"
		if ev.Task != "" {
			what = ev.Task
		}
		fmt.Fprintf(p.w, "%s   %s: SLA missed\n", ts, what)
	case engine.RunFinished:
		line := fmt.Sprintf("%s run %s: %s", ts, ev.Run.ID, ev.Run.State)
		if ev.Err != nil {
			line += ": " + firstLine(ev.Err.Error(), 200)
		}
		fmt.Fprintln(p.w, line)
	}
}

func (p *plainProgress) Close() {}

func errText(ev engine.Event) string {
	if ev.Err != nil {
		return ev.Err.Error()
	}
	if ev.TaskRun != nil {
		return ev.TaskRun.Error
	}
	return ""
}

// ---- live table ----

type liveTask struct {
	state   pipeline.State
	attempt int
	started time.Time
	ended   time.Time
	note    string
}

type liveProgress struct {
	mu     sync.Mutex
	w      io.Writer
	header string
	order  []string
	tasks  map[string]*liveTask
	drawn  int // lines of the table on screen
	prior  priorFunc
	stop   chan struct{}
	done   chan struct{}
	now    func() time.Time
}

func newLiveProgress(w io.Writer, dag *pipeline.DAG, iv pipeline.Interval, prior priorFunc) *liveProgress {
	l := &liveProgress{w: w, tasks: map[string]*liveTask{}, prior: prior, stop: make(chan struct{}), done: make(chan struct{}), now: time.Now}
	l.header = fmt.Sprintf("%s %s", dag.Name, iv)
	for _, t := range dag.Tasks {
		l.order = append(l.order, t.Name)
		l.tasks[t.Name] = &liveTask{state: pipeline.Queued}
	}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(250 * time.Millisecond) // elapsed times of running tasks
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				l.mu.Lock()
				l.redraw()
				l.mu.Unlock()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

func (l *liveProgress) Observe(ev engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tasks[ev.Task]
	if ev.Task != "" && t == nil {
		t = &liveTask{}
		l.tasks[ev.Task] = t
		l.order = append(l.order, ev.Task)
	}
	switch ev.Kind {
	case engine.RunStarted:
		l.header = fmt.Sprintf("run %s  %s %s", ev.Run.ID, ev.Run.Pipeline, ev.Run.Interval)
		if l.prior != nil {
			for name, tr := range l.prior(ev.Run.ID) {
				if pt := l.tasks[name]; pt != nil && tr.State.Terminal() {
					pt.state, pt.attempt, pt.note = tr.State, tr.Attempt, "earlier execution"
				}
			}
		}
	case engine.TaskStarted:
		t.state, t.attempt, t.started, t.note = pipeline.Running, ev.TaskRun.Attempt, ev.At, ""
	case engine.TaskRetrying:
		t.state, t.ended = pipeline.UpForRetry, ev.At
		t.note = fmt.Sprintf("retry in %s: %s", roundDuration(ev.Wait), firstLine(errText(ev), 60))
	case engine.TaskFinished:
		t.state, t.ended, t.note = ev.TaskRun.State, ev.At, firstLine(errText(ev), 60)
		if ev.TaskRun.StartedAt != nil {
			t.attempt = ev.TaskRun.Attempt
		}
	case engine.SLAMissed:
		if t != nil {
			t.note = "SLA missed"
		}
	}
	l.redraw()
}

var stateMark = map[pipeline.State]string{
	pipeline.Queued:         "\x1b[2m·\x1b[0m",
	pipeline.Running:        "\x1b[36m▶\x1b[0m",
	pipeline.Success:        "\x1b[32m✓\x1b[0m",
	pipeline.Failed:         "\x1b[31m✗\x1b[0m",
	pipeline.UpForRetry:     "\x1b[33m↻\x1b[0m",
	pipeline.UpstreamFailed: "\x1b[31m⊘\x1b[0m",
	pipeline.Skipped:        "\x1b[2m–\x1b[0m",
	pipeline.TimedOut:       "\x1b[31m⏱\x1b[0m",
}

// redraw repaints the table in place: back to its first line, each line
// cleared and rewritten, anything below erased. Caller holds l.mu.
func (l *liveProgress) redraw() {
	var b strings.Builder
	l.erase(&b)
	width := 4
	for _, n := range l.order {
		width = max(width, len(n))
	}
	fmt.Fprintf(&b, "\x1b[1m%s\x1b[0m\n", l.header)
	now := l.now()
	for _, n := range l.order {
		t := l.tasks[n]
		el := ""
		switch {
		case t.state == pipeline.Running:
			el = roundDuration(now.Sub(t.started)).Truncate(100 * time.Millisecond).String()
		case !t.started.IsZero() && !t.ended.IsZero():
			el = roundDuration(t.ended.Sub(t.started)).String()
		}
		att := ""
		if t.attempt > 0 {
			att = fmt.Sprintf("#%d", t.attempt)
		}
		fmt.Fprintf(&b, " %s %-*s  %-15s %-4s %8s  %s\n", stateMark[t.state], width, n, t.state, att, el, t.note)
	}
	l.drawn = len(l.order) + 1
	io.WriteString(l.w, b.String())
}

func (l *liveProgress) erase(b *strings.Builder) {
	if l.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dF\x1b[J", l.drawn)
	}
	l.drawn = 0
}

// Write prints a log line above the table.
func (l *liveProgress) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	l.erase(&b)
	b.Write(p)
	io.WriteString(l.w, b.String())
	l.redraw()
	return len(p), nil
}

func (l *liveProgress) Close() {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	l.erase(&b)
	io.WriteString(l.w, b.String())
}
