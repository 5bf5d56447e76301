package pipeline

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// DAG is a pipeline: named tasks and their dependencies.
type DAG struct {
	Name  string
	Tasks []Task
	// SLA bounds the whole run's duration (0: none).
	SLA time.Duration
}

// Validate reports every problem at once, joined: empty or duplicate names,
// unknown dependencies, self-dependencies, and each cycle named by its tasks
// ("a -> b -> a").
func (d *DAG) Validate() error {
	var errs []error
	if strings.TrimSpace(d.Name) == "" {
		errs = append(errs, errors.New("pipeline has no name"))
	}
	if len(d.Tasks) == 0 {
		errs = append(errs, fmt.Errorf("pipeline %q has no tasks", d.Name))
	}
	seen := map[string]bool{}
	for i, t := range d.Tasks {
		switch {
		case strings.TrimSpace(t.Name) == "":
			errs = append(errs, fmt.Errorf("tasks[%d]: task has no name", i))
		case seen[t.Name]:
			errs = append(errs, fmt.Errorf("tasks[%d]: duplicate task name %q", i, t.Name))
		}
		seen[t.Name] = true
	}
	for i, t := range d.Tasks {
		for _, dep := range t.DependsOn {
			switch {
			case dep == t.Name:
				errs = append(errs, fmt.Errorf("tasks[%d] (%s): depends on itself", i, t.Name))
			case !seen[dep]:
				errs = append(errs, fmt.Errorf("tasks[%d] (%s): unknown dependency %q", i, t.Name, dep))
			}
		}
		if _, err := ParseTriggerRule(string(t.Trigger)); err != nil {
			errs = append(errs, fmt.Errorf("tasks[%d] (%s): %w", i, t.Name, err))
		}
	}
	for _, c := range d.Cycles() {
		errs = append(errs, fmt.Errorf("dependency cycle: %s", strings.Join(c, " -> ")))
	}
	return errors.Join(errs...)
}

// Task returns the task named name.
func (d *DAG) Task(name string) (Task, bool) {
	for _, t := range d.Tasks {
		if t.Name == name {
			return t, true
		}
	}
	return Task{}, false
}

// Cycles returns each elementary cycle found by a depth-first search, as the
// path of task names that closes on its first element (a -> b -> a).
// Self-dependencies are reported by Validate, not here.
func (d *DAG) Cycles() [][]string {
	deps := map[string][]string{}
	for _, t := range d.Tasks {
		for _, dep := range t.DependsOn {
			if dep != t.Name {
				deps[t.Name] = append(deps[t.Name], dep)
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var cycles [][]string
	var visit func(n string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		for _, m := range deps[n] {
			switch color[m] {
			case white:
				visit(m)
			case grey:
				// m is on the stack: the cycle is stack[idx(m):] + m, read
				// in dependency direction; reverse it so it reads upstream
				// to downstream (a -> b means b depends on a).
				i := len(stack) - 1
				for stack[i] != m {
					i--
				}
				c := append([]string(nil), stack[i:]...)
				for l, r := 0, len(c)-1; l < r; l, r = l+1, r-1 {
					c[l], c[r] = c[r], c[l]
				}
				// Start the cycle at its smallest name, so one cycle always
				// reads the same whichever task the search entered it by.
				c = rotateToMin(c)
				c = append(c, c[0])
				cycles = append(cycles, c)
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	names := make([]string, 0, len(d.Tasks))
	for _, t := range d.Tasks {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		if color[n] == white {
			visit(n)
		}
	}
	return cycles
}

// rotateToMin rotates c so that its smallest element comes first.
func rotateToMin(c []string) []string {
	m := 0
	for i := range c {
		if c[i] < c[m] {
			m = i
		}
	}
	return append(c[m:len(c):len(c)], c[:m]...)
}

// Downstream returns, for each task, the names of the tasks that depend on it.
func (d *DAG) Downstream() map[string][]string {
	out := map[string][]string{}
	for _, t := range d.Tasks {
		for _, dep := range t.DependsOn {
			out[dep] = append(out[dep], t.Name)
		}
	}
	return out
}

// Subset returns the DAG restricted to the named tasks, with dependencies on
// tasks outside the subset dropped (memepipe run --only).
func (d *DAG) Subset(names []string) (*DAG, error) {
	keep := map[string]bool{}
	for _, n := range names {
		if _, ok := d.Task(n); !ok {
			return nil, fmt.Errorf("pipeline %q has no task %q", d.Name, n)
		}
		keep[n] = true
	}
	out := &DAG{Name: d.Name, SLA: d.SLA}
	for _, t := range d.Tasks {
		if !keep[t.Name] {
			continue
		}
		var deps []string
		for _, dep := range t.DependsOn {
			if keep[dep] {
				deps = append(deps, dep)
			}
		}
		t.DependsOn = deps
		out.Tasks = append(out.Tasks, t)
	}
	return out, nil
}
