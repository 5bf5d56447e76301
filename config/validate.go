package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/watchlist"
)

// nameRE is what pipeline and task names may contain: they appear in URLs,
// metric labels, file names and shell commands, so keep them plain.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validate checks what decoding cannot: ranges, references between keys,
// DAG shape, watchlist addresses.
func validate(cfg *Config, raw map[string]any) Errors {
	var errs Errors
	if strings.TrimSpace(cfg.DB) == "" {
		errs.Add("db", "is empty; use a SQLite path such as ./memepipe.db or a postgres:// URL")
	}
	if u, err := url.Parse(cfg.Raw); err != nil || u.Scheme == "" {
		errs.Add("raw", "%q is not a blob URL such as file://./data/raw, s3://bucket/prefix or gs://bucket/prefix", cfg.Raw)
	} else {
		switch u.Scheme {
		case "file", "s3", "gs", "azblob", "mem":
		default:
			errs.Add("raw", "unsupported scheme %q (want file, s3, gs, azblob or mem)", u.Scheme)
		}
	}
	if cfg.MaxParallel < 1 {
		errs.Add("max_parallel", "must be at least 1, got %d", cfg.MaxParallel)
	}
	for _, name := range sortedKeys(cfg.Pools) {
		if n := cfg.Pools[name]; n < 1 {
			errs.Add(join("pools", name), "pool size must be at least 1, got %d", n)
		}
	}
	switch strings.ToLower(cfg.Log.Level) {
	case "debug", "info", "warn", "warning", "error":
	default:
		errs.Add("log.level", "unknown level %q (want debug, info, warn or error)", cfg.Log.Level)
	}
	switch cfg.Log.Format {
	case "auto", "json", "text":
	default:
		errs.Add("log.format", "unknown format %q (want auto, json or text)", cfg.Log.Format)
	}
	if pg := cfg.Metrics.Pushgateway; pg != "" {
		if u, err := url.Parse(pg); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.Add("metrics.pushgateway", "is not an http(s) URL such as http://pushgateway:9091")
		}
	}
	validateRetry(&errs, "task_defaults", cfg.Pools, retryKeys{
		cfg.TaskDefaults.Retries, cfg.TaskDefaults.RetryDelay, cfg.TaskDefaults.RetryMaxDelay,
		cfg.TaskDefaults.RetryMultiplier, cfg.TaskDefaults.RetryJitter, cfg.TaskDefaults.Timeout, cfg.TaskDefaults.Pool,
	})
	for _, src := range sourceNames() {
		s := sourceByName(&cfg.Sources, src)
		p := join("sources", src)
		if s.BaseURL != "" {
			if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs.Add(join(p, "base_url"), "%q is not an http(s) URL", s.BaseURL)
			}
		}
		if s.Burst < 0 {
			errs.Add(join(p, "burst"), "must not be negative")
		}
		if s.Daily < 0 {
			errs.Add(join(p, "daily"), "must not be negative")
		}
		if s.Timeout < 0 {
			errs.Add(join(p, "timeout"), "must not be negative")
		}
	}
	validateWatchlist(&errs, cfg.Watchlist)
	for _, err := range splitJoined(cfg.Alerts.Validate()) {
		// alert.Config.Validate already speaks in key paths ("alerts.routes[0].notifiers: ...").
		path, msg, ok := strings.Cut(err.Error(), ": ")
		if !ok || !strings.HasPrefix(path, "alerts") {
			path, msg = "alerts", err.Error()
		}
		errs.Add(path, "%s", msg)
	}
	for _, err := range splitJoined(cfg.Score.Validate()) {
		// score.Config.Validate says "score: weights.risk = -1, want ...".
		msg := strings.TrimPrefix(err.Error(), "score: ")
		path := "score"
		if key, rest, ok := strings.Cut(msg, " = "); ok && !strings.Contains(key, " ") {
			path, msg = join(path, key), "is "+rest
		} else if key, rest, ok := strings.Cut(msg, " "); ok && !strings.Contains(key, "=") {
			path, msg = join(path, key), rest
		}
		errs.Add(path, "%s", msg)
	}

	seen := map[string]int{}
	for i := range cfg.Pipelines {
		p := &cfg.Pipelines[i]
		path := join("pipelines", i)
		if j, dup := seen[p.Name]; dup && p.Name != "" {
			errs.Add(join(path, "name"), "duplicate pipeline name %q (also pipelines[%d])", p.Name, j)
		}
		seen[p.Name] = i
		validatePipeline(&errs, path, p, cfg.Pools)
	}
	return errs
}

func sourceByName(s *Sources, name string) Source {
	switch name {
	case "twitter":
		return s.Twitter
	case "yahoo":
		return s.Yahoo
	case "etherscan":
		return s.Etherscan
	case "scrape":
		return s.Scrape
	case "dexscreener":
		return s.DexScreener
	}
	return Source{}
}

type retryKeys struct {
	retries            int
	delay, maxDelay    Duration
	multiplier, jitter float64
	timeout            Duration
	pool               string
}

func validateRetry(errs *Errors, path string, pools map[string]int, r retryKeys) {
	if r.retries < 0 || r.retries > 100 {
		errs.Add(join(path, "retries"), "must be between 0 and 100, got %d", r.retries)
	}
	if r.delay < 0 {
		errs.Add(join(path, "retry_delay"), "must not be negative")
	}
	if r.maxDelay < 0 {
		errs.Add(join(path, "retry_max_delay"), "must not be negative")
	}
	if r.maxDelay > 0 && r.delay > r.maxDelay {
		errs.Add(join(path, "retry_max_delay"), "%s is shorter than retry_delay %s", r.maxDelay, r.delay)
	}
	if r.multiplier != 0 && r.multiplier < 1 {
		errs.Add(join(path, "retry_multiplier"), "must be at least 1 (1: constant delay), got %v", r.multiplier)
	}
	if r.jitter < 0 || r.jitter > 1 {
		errs.Add(join(path, "retry_jitter"), "must be between 0 and 1 (a fraction of the delay), got %v", r.jitter)
	}
	if r.timeout < 0 {
		errs.Add(join(path, "timeout"), "must not be negative")
	}
	if r.pool != "" {
		if _, ok := pools[r.pool]; !ok {
			msg := fmt.Sprintf("unknown pool %q", r.pool)
			if s := suggest(r.pool, sortedKeys(pools)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (define it under pools:)"
			}
			errs.Add(join(path, "pool"), "%s", msg)
		}
	}
}

func validatePipeline(errs *Errors, path string, p *Pipeline, pools map[string]int) {
	if p.Name != "" && !nameRE.MatchString(p.Name) {
		errs.Add(join(path, "name"), "%q: use letters, digits, _, . and - only", p.Name)
	}
	switch {
	case p.Schedule != "" && p.Interval != 0:
		errs.Add(join(path, "interval"), "a scheduled pipeline's data interval runs from one schedule slot to the next; remove interval (or schedule)")
	case p.Schedule != "":
	case p.Interval <= 0:
		errs.Add(join(path, "interval"), "must be positive, got %s", p.Interval)
	case p.Interval.D() < time.Second:
		errs.Add(join(path, "interval"), "%s is shorter than a second", p.Interval)
	}
	if p.CatchupWindow < 0 {
		errs.Add(join(path, "catchup_window"), "must not be negative")
	}
	if p.MaxCatchup < 0 {
		errs.Add(join(path, "max_catchup"), "must not be negative")
	}
	if p.MaxActiveRuns < 0 {
		errs.Add(join(path, "max_active_runs"), "must not be negative")
	}
	if _, err := schedule.ParseOverlap(p.Overlap); err != nil {
		errs.Add(join(path, "overlap"), "%v", err)
	}
	if p.SLA < 0 {
		errs.Add(join(path, "sla"), "must not be negative")
	}
	if p.Freshness < 0 {
		errs.Add(join(path, "freshness"), "must not be negative")
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		errs.Add(join(path, "timezone"), "unknown time zone %q (want an IANA name such as UTC or America/New_York)", p.Timezone)
	}
	if p.Schedule != "" {
		if _, err := schedule.Parse(p.Schedule, "UTC"); err != nil {
			errs.Add(join(path, "schedule"), "%v", err)
		}
	}

	names := make([]string, len(p.Tasks))
	for j := range p.Tasks {
		t := &p.Tasks[j]
		names[j] = t.Name
		tp := join(join(path, "tasks"), j)
		if t.Name != "" && !nameRE.MatchString(t.Name) {
			errs.Add(join(tp, "name"), "%q: use letters, digits, _, . and - only", t.Name)
		}
		switch {
		case len(t.Command) == 0 && t.Type == "":
			errs.Add(tp, "set command (an external program) or type (a built-in task)")
		case len(t.Command) > 0 && t.Type != "":
			errs.Add(tp, "set either command or type, not both")
		case len(t.Command) > 0:
			if strings.TrimSpace(t.Command[0]) == "" {
				errs.Add(join(join(tp, "command"), 0), "program name is empty")
			}
			if len(t.Params) > 0 {
				errs.Add(join(tp, "params"), "params are for built-in tasks (type); pass a command its arguments in command or env")
			}
		}
		if len(t.Command) == 0 && (len(t.Env) > 0 || t.Workdir != "") {
			key := "env"
			if t.Workdir != "" {
				key = "workdir"
			}
			errs.Add(join(tp, key), "only applies to command tasks")
		}
		for _, name := range sortedKeys(t.Env) {
			if !envNameRE.MatchString(name) {
				errs.Add(join(join(tp, "env"), name), "not a valid environment variable name")
			}
		}
		validateRetry(errs, tp, pools, retryKeys{t.Retries, t.RetryDelay, t.RetryMaxDelay, t.RetryMultiplier, t.RetryJitter, t.Timeout, t.Pool})
		if t.SLA < 0 {
			errs.Add(join(tp, "sla"), "must not be negative")
		}
	}

	dag := pipeline.DAG{Name: p.Name}
	for _, t := range p.Tasks {
		dag.Tasks = append(dag.Tasks, pipeline.Task{Name: t.Name, DependsOn: t.DependsOn, Trigger: pipeline.TriggerRule(t.TriggerRule)})
	}
	for _, err := range splitJoined(dag.Validate()) {
		*errs = append(*errs, dagError(path, names, err))
	}
}

// dagTaskErrRE matches pipeline.DAG.Validate's per-task messages:
// "tasks[2] (c): unknown dependency "clen"".
var dagTaskErrRE = regexp.MustCompile(`^tasks\[(\d+)\](?: \((.*?)\))?: (.*)$`)

var unknownDepRE = regexp.MustCompile(`^unknown dependency "(.*)"$`)

// dagError maps a DAG.Validate error to a key path and a message.
// pipeline.DAG speaks of tasks[i]; the file speaks of pipelines[p].tasks[i].
// Messages not recognised here keep the pipeline's path, so a new check in
// pipeline still reaches the user.
func dagError(path string, names []string, err error) FieldError {
	msg := err.Error()
	switch {
	case msg == "pipeline has no name":
		return FieldError{Path: join(path, "name"), Msg: "is missing"}
	case strings.HasPrefix(msg, "pipeline ") && strings.HasSuffix(msg, " has no tasks"):
		return FieldError{Path: join(path, "tasks"), Msg: "has no tasks"}
	case strings.HasPrefix(msg, "dependency cycle: "):
		return FieldError{Path: join(path, "tasks"), Msg: msg}
	}
	m := dagTaskErrRE.FindStringSubmatch(msg)
	if m == nil {
		return FieldError{Path: path, Msg: msg}
	}
	i, _ := strconv.Atoi(m[1])
	tp := join(join(path, "tasks"), i)
	rest := m[3]
	switch {
	case rest == "task has no name":
		return FieldError{Path: join(tp, "name"), Msg: "is missing"}
	case strings.HasPrefix(rest, "duplicate task name"):
		return FieldError{Path: join(tp, "name"), Msg: rest}
	case rest == "depends on itself":
		return FieldError{Path: join(tp, "depends_on"), Msg: "task depends on itself"}
	case unknownDepRE.MatchString(rest):
		dep := unknownDepRE.FindStringSubmatch(rest)[1]
		out := fmt.Sprintf("unknown task %q", dep)
		if s := suggest(dep, names); s != "" {
			out += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return FieldError{Path: join(tp, "depends_on"), Msg: out}
	case strings.Contains(rest, "trigger rule"):
		return FieldError{Path: join(tp, "trigger_rule"), Msg: rest}
	}
	return FieldError{Path: tp, Msg: rest}
}

// splitJoined undoes errors.Join.
func splitJoined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, splitJoined(e)...)
		}
		return out
	}
	return []error{err}
}

// tokenFieldRE finds which token key a watchlist message is about.
var tokenFieldRE = regexp.MustCompile(`^(symbol|address|pair|decimals|search query)\b`)

// validateWatchlist runs watchlist.Token.Validate per entry, so each
// problem gets its entry's key path (watchlist[3].address), and reports
// repeated tokens.
func validateWatchlist(errs *Errors, l watchlist.List) {
	seen := map[string]int{}
	for i, t := range l {
		path := join("watchlist", i)
		for _, err := range splitJoined(t.Validate()) {
			msg := err.Error()
			p := path
			if strings.HasPrefix(msg, "address given without chain") {
				p = join(path, "chain")
			} else if m := tokenFieldRE.FindStringSubmatch(msg); m != nil {
				key := m[1]
				if key == "search query" {
					key = "query"
				}
				p = join(path, key)
			}
			errs.Add(p, "%s", msg)
		}
		if j, ok := seen[t.Key()]; ok {
			errs.Add(path, "same token as watchlist[%d] (%s)", j, t.Key())
		}
		seen[t.Key()] = i
	}
}
