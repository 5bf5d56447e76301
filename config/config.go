// Package config reads memepipe's configuration: embedded defaults
// (defaults.yaml), then the YAML file (--config, or memepipe.yaml when it
// exists), then MEMEPIPE_* environment variables, then command-line flags,
// each layer overriding the one before. Secrets come only from the
// environment or NAME_FILE files, never from the file.
//
// Validation reports every problem at once, each with its key path
// (pipelines[0].tasks[2].depends_on: unknown task "clen"): unknown keys
// (with a did-you-mean), bad durations, secrets written into the file, DAG
// errors (unknown dependency, duplicate name, cycle) and watchlist errors.
//
// docs/CONFIG.md is the user-facing reference; keep it in step with the
// types below.
package config

import (
	"strings"

	"memepipe/alert"
	"memepipe/analyze/score"
	"memepipe/watchlist"
)

// Config is the effective configuration.
type Config struct {
	// DB is the run-history and data store: a SQLite path (default
	// ./memepipe.db) or a postgres:// URL.
	DB string `koanf:"db" yaml:"db"`
	// Raw is the raw zone, a gocloud.dev blob URL: file://, s3://, gs://.
	Raw string `koanf:"raw" yaml:"raw"`
	// MaxParallel caps the task attempts running at once, across pools.
	MaxParallel int `koanf:"max_parallel" yaml:"max_parallel"`
	// Pools cap concurrency per named pool (one per upstream API, typically),
	// on top of MaxParallel. A task without a pool is limited only by MaxParallel.
	Pools map[string]int `koanf:"pools" yaml:"pools"`
	Log   Log            `koanf:"log" yaml:"log"`
	// TaskDefaults apply to every task that does not set the key itself.
	TaskDefaults TaskDefaults `koanf:"task_defaults" yaml:"task_defaults"`
	// Watchlist is the tokens the collectors follow.
	Watchlist watchlist.List `koanf:"watchlist" yaml:"watchlist"`
	// Sources configure each upstream API (endpoints, rate limits).
	// Credentials are in Secrets, not here.
	Sources Sources `koanf:"sources" yaml:"sources"`
	// SharedRateLimits keeps the sources' rate-limit buckets in the
	// database instead of each process's memory, so every process on it
	// (Temporal workers, serve, cron runs) spends one budget per source.
	SharedRateLimits bool `koanf:"shared_rate_limits" yaml:"shared_rate_limits"`
	// SharedPools makes each pool's size a bound on the Temporal workers
	// on the database together (slots in the database) instead of on each.
	SharedPools bool `koanf:"shared_pools" yaml:"shared_pools"`
	// Alerts configures notifiers and routes (package alert). Secrets are
	// named by *_env keys, never written here.
	Alerts alert.Config `koanf:"alerts" yaml:"alerts"`
	// Pipelines are the DAGs memepipe runs.
	Pipelines []Pipeline `koanf:"pipelines" yaml:"pipelines"`
	// Metrics configures the Prometheus Pushgateway that one-shot runs
	// (memepipe run, the Lambda function) push their metrics to; serve and
	// workers are scraped instead.
	Metrics Metrics `koanf:"metrics" yaml:"metrics"`
	// Score configures the integrated score (analyze/score): component
	// weights and calibration, hard-fact caps, and where
	// integrated_scores.csv is written. Keys not written keep
	// score.Defaults().
	Score score.Config `koanf:"score" yaml:"score"`

	// Secrets are read from the environment only.
	Secrets Secrets `koanf:"-" yaml:"secrets"`
	// File is the config file that was read ("" when none was).
	File string `koanf:"-" yaml:"-"`
	// Warnings are problems that do not stop memepipe (an unknown MEMEPIPE_
	// variable, probably a typo); the CLI prints them.
	Warnings []string `koanf:"-" yaml:"-"`

	env      map[string]string // the environment Load saw, for SecretFromEnv
	redactor *strings.Replacer // every known secret value -> [redacted]
}

// Metrics configures pushing metrics.
type Metrics struct {
	// Pushgateway is the Pushgateway's URL (http://pushgateway:9091);
	// empty: one-shot runs push nothing.
	Pushgateway string `koanf:"pushgateway" yaml:"pushgateway,omitempty"`
	// Job is the job label of the pushed group (default memepipe).
	Job string `koanf:"job" yaml:"job,omitempty"`
}

// Log configures log/slog output on stderr.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `koanf:"level" yaml:"level"`
	// Format is json, text, or auto (JSON unless stderr is a terminal).
	Format string `koanf:"format" yaml:"format"`
}

// TaskDefaults are the task keys a config may set once for all tasks, as
// Airflow's default_args.
type TaskDefaults struct {
	Retries         int      `koanf:"retries" yaml:"retries"`
	RetryDelay      Duration `koanf:"retry_delay" yaml:"retry_delay"`
	RetryMaxDelay   Duration `koanf:"retry_max_delay" yaml:"retry_max_delay"`
	RetryMultiplier float64  `koanf:"retry_multiplier" yaml:"retry_multiplier"`
	RetryJitter     float64  `koanf:"retry_jitter" yaml:"retry_jitter"`
	Timeout         Duration `koanf:"timeout" yaml:"timeout"`
	Pool            string   `koanf:"pool" yaml:"pool,omitempty"`
}

// Pipeline is one DAG and when and over what interval it runs.
type Pipeline struct {
	Name string `koanf:"name" yaml:"name"`
	// Schedule is a cron expression (5 fields, or @hourly, @every 15m) in
	// Timezone; empty means the pipeline runs only on demand.
	Schedule string `koanf:"schedule" yaml:"schedule,omitempty"`
	// Timezone is an IANA zone name for Schedule (default UTC).
	Timezone string `koanf:"timezone" yaml:"timezone"`
	// Interval is the length of a run's data interval [start, end) for a
	// pipeline without Schedule (default 1h). A scheduled pipeline's
	// intervals run from one slot to the next, so it may not set Interval.
	Interval Duration `koanf:"interval" yaml:"interval,omitempty"`
	// CatchupWindow, MaxCatchup, MaxActiveRuns and Overlap are the
	// scheduler's policy (schedule.Policy); zero values take its defaults.
	CatchupWindow Duration `koanf:"catchup_window" yaml:"catchup_window,omitempty"`
	MaxCatchup    int      `koanf:"max_catchup" yaml:"max_catchup,omitempty"`
	MaxActiveRuns int      `koanf:"max_active_runs" yaml:"max_active_runs,omitempty"`
	Overlap       string   `koanf:"overlap" yaml:"overlap,omitempty"`
	// SLA bounds a whole run's duration (0: none).
	SLA Duration `koanf:"sla" yaml:"sla,omitempty"`
	// Freshness is how old the pipeline's output may get: with no
	// successful run ending within it, `memepipe serve` raises the stale
	// alert (0: not watched).
	Freshness Duration `koanf:"freshness" yaml:"freshness,omitempty"`
	Tasks     []Task   `koanf:"tasks" yaml:"tasks"`
}

// Task is one node of a pipeline: an external program (Command) or a
// built-in task (Type, with Params). Exactly one of the two is set.
type Task struct {
	Name string `koanf:"name" yaml:"name"`
	// Command is the argv of an external program; no shell is involved
	// (write ["sh", "-c", "..."] for one). The data interval is passed in
	// MEMEPIPE_* variables and ${MEMEPIPE_INTERVAL_START}-style placeholders.
	Command []string          `koanf:"command" yaml:"command,omitempty"`
	Env     map[string]string `koanf:"env" yaml:"env,omitempty"`
	Workdir string            `koanf:"workdir" yaml:"workdir,omitempty"`
	// Type names a built-in task (collect.twitter, clean.etherscan ...),
	// configured by Params.
	Type   string         `koanf:"type" yaml:"type,omitempty"`
	Params map[string]any `koanf:"params" yaml:"params,omitempty"`

	DependsOn   []string `koanf:"depends_on" yaml:"depends_on,omitempty"`
	TriggerRule string   `koanf:"trigger_rule" yaml:"trigger_rule,omitempty"`
	// Retries is the number of attempts after the first.
	Retries         int      `koanf:"retries" yaml:"retries"`
	RetryDelay      Duration `koanf:"retry_delay" yaml:"retry_delay"`
	RetryMaxDelay   Duration `koanf:"retry_max_delay" yaml:"retry_max_delay"`
	RetryMultiplier float64  `koanf:"retry_multiplier" yaml:"retry_multiplier"`
	RetryJitter     float64  `koanf:"retry_jitter" yaml:"retry_jitter"`
	// Timeout bounds one attempt (0: none); a timed-out attempt is retried.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
	// SLA is measured from the run's start (0: none).
	SLA  Duration `koanf:"sla" yaml:"sla,omitempty"`
	Pool string   `koanf:"pool" yaml:"pool,omitempty"`
}

// Sources configure the upstream APIs. Each later collector reads its own.
type Sources struct {
	Twitter   Source `koanf:"twitter" yaml:"twitter"`
	Yahoo     Source `koanf:"yahoo" yaml:"yahoo"`
	Etherscan Source `koanf:"etherscan" yaml:"etherscan"`
	// Scrape is the fundamentals pages (their URLs are in the watchlist's
	// pages; base_url is unused unless a page URL is relative to it).
	Scrape Source `koanf:"scrape" yaml:"scrape"`
	// DexScreener is the DexScreener pairs API (collect.dexscreener).
	DexScreener Source `koanf:"dexscreener" yaml:"dexscreener"`
}

// Source is one upstream API.
type Source struct {
	// BaseURL is the API's root; point it at `memepipe sim` in tests.
	BaseURL string `koanf:"base_url" yaml:"base_url"`
	// Rate is the request budget, as the API publishes it (450/15m).
	Rate Rate `koanf:"rate" yaml:"rate"`
	// Burst is how many requests may go at once before Rate paces them.
	Burst int `koanf:"burst" yaml:"burst"`
	// Daily caps requests per UTC day (Etherscan's free tier: 100000); 0 is
	// none. Counted per process.
	Daily int `koanf:"daily" yaml:"daily,omitempty"`
	// Timeout bounds one HTTP request.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
}

// Pipeline returns the pipeline named name.
func (c *Config) Pipeline(name string) (*Pipeline, bool) {
	for i := range c.Pipelines {
		if c.Pipelines[i].Name == name {
			return &c.Pipelines[i], true
		}
	}
	return nil, false
}

// PipelineNames lists the configured pipelines in file order.
func (c *Config) PipelineNames() []string {
	out := make([]string, len(c.Pipelines))
	for i, p := range c.Pipelines {
		out[i] = p.Name
	}
	return out
}

// SecretFromEnv reads a secret named by the config (an alert's secret_env)
// from the environment Load saw, or its NAME_FILE.
func (c *Config) SecretFromEnv(name string) (Secret, error) {
	return lookupSecret(c.env, name)
}
