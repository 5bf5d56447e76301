// Package tasks turns configuration into runnable DAGs: a config task with
// `command:` becomes an external program run by tasks/command; a task with
// `type:` becomes a built-in task made by the factory registered for that
// type. This is the one place that glues sources, cleaners and analytics
// to the engine, which knows none of them.
package tasks

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/store"
)

// Deps are what built-in tasks are built with. Later issues add fields
// (the raw zone bucket, HTTP clients); a factory takes what it needs.
type Deps struct {
	Config *config.Config
	// Store is nil when the DAGs are built only to be validated
	// (memepipe config validate): factories must not do I/O, only check
	// and keep their params.
	Store  store.Store
	Logger *slog.Logger
}

// Factory makes the runner of one configured built-in task from its
// params (the task's `params:` map, nil when absent). Decode params with
// DecodeParams so typos are errors. An error is reported at the task's
// params key path; config.Errors paths are kept below it.
type Factory func(deps Deps, params map[string]any) (pipeline.Runner, error)

var (
	mu       sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes typ ("collect.twitter", "clean.etherscan", "analyze.risk")
// available as `type:` in config. Built-in tasks call it from an init
// function in their own file of this package, so adding a type touches
// nothing else. Registering a type twice panics: two tasks with one name
// is a programming error.
func Register(typ string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[typ]; dup {
		panic(fmt.Sprintf("tasks: type %q registered twice", typ))
	}
	registry[typ] = f
}

// Types lists the registered built-in task types, sorted.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func lookup(typ string) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := registry[typ]
	return f, ok
}

// DecodeParams reads a built-in task's params into out (a pointer to a
// struct with `koanf` tags), rejecting unknown keys and bad values.
func DecodeParams(params map[string]any, out any) error {
	var in any
	if params != nil {
		in = params
	}
	return config.Decode(in, out)
}
