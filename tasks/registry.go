// Package tasks turns configuration into runnable DAGs: a config task with
// `command:` becomes an external program run by tasks/command; a task with
// `type:` becomes a built-in task made by the factory registered for that
// type. This is the one place that glues sources, cleaners and analytics
// to the engine, which knows none of them.
package tasks

import (
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source/httpx"
	"memepipe/store"
)

// Deps are what built-in tasks are built with; a factory takes what it
// needs. Store and Raw are nil when the DAGs are built only to be
// validated (memepipe config validate, export): factories must not do
// I/O, only check and keep their params; runners check at run time.
type Deps struct {
	Config *config.Config
	Store  store.Store
	Logger *slog.Logger
	// Raw is the raw zone collectors write and cleaners read.
	Raw *raw.Zone
	// HTTPClient is the transport of every collector (nil: a default one).
	HTTPClient *http.Client
	// TuneHTTP, when set, adjusts each collector's HTTP client settings
	// after config is applied (the demo shortens timeouts and backoffs
	// against the local simulator).
	TuneHTTP func(c *httpx.Config)
	// HTTPMetrics, when set, receives every collector request, rate-limit
	// wait and retry (memepipe serve passes its Prometheus metrics).
	HTTPMetrics httpx.Metrics
	// Now is the clock of data-quality checks (nil: time.Now).
	Now func() time.Time

	// collectors are built on first use and shared by every task built
	// in one Build call, so that tasks spending one API budget (the two
	// Yahoo collectors) share one rate limiter.
	collectors *collectors
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
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
