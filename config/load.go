package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"memepipe/analyze/score"
)

// DefaultsYAML is the embedded default configuration.
//
//go:embed defaults.yaml
var DefaultsYAML []byte

// DefaultFile is read when no --config or MEMEPIPE_CONFIG names a file and
// it exists in the working directory.
const DefaultFile = "memepipe.yaml"

// DefaultInterval is a pipeline's data interval when it sets none. An hour
// is the finest slot every source can fill on its free budget (X: 450
// searches per 15 min covers dozens of tokens hourly; Etherscan: ~300 blocks
// an hour, one or two calls per token; Yahoo: 1h bars) while still seeing a
// pump-and-dump, which plays out over minutes to hours, in the run right
// after it. Daily runs would see it a day late; 5-minute runs would
// multiply per-run overhead and leave most slots empty.
const DefaultInterval = time.Hour

// Options say where Load reads from.
type Options struct {
	// Path is the config file. Empty: $MEMEPIPE_CONFIG, else memepipe.yaml
	// when it exists, else none (the embedded defaults alone).
	Path string
	// DefaultsOnly ignores config files (memepipe run --demo); the
	// environment and Set still apply.
	DefaultsOnly bool
	// Environ is the environment as "KEY=value" (nil: os.Environ()).
	Environ []string
	// Set overrides keys after the environment, as flags do: a dotted key
	// path (db, log.level) to its value as typed on the command line.
	Set map[string]string
}

type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error)    { return nil, errors.New("not supported") }
func (m mapProvider) Read() (map[string]any, error) { return m, nil }

type bytesProvider []byte

func (b bytesProvider) ReadBytes() ([]byte, error)    { return b, nil }
func (b bytesProvider) Read() (map[string]any, error) { return nil, errors.New("not supported") }

// Load reads and validates the configuration. On validation problems it
// returns the config decoded so far and an Errors listing every problem;
// a file that cannot be read or parsed is a single error naming the file.
func Load(opts Options) (*Config, error) {
	environ := opts.Environ
	if environ == nil {
		environ = os.Environ()
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}

	k := koanf.New(".")
	if err := k.Load(bytesProvider(DefaultsYAML), &yamlParser{}); err != nil {
		return nil, fmt.Errorf("embedded defaults: %w", err) // a build bug
	}

	// The score's defaults live with its formula (score.Defaults, which
	// docs/ANALYTICS.md explains); the file overrides them key by key.
	cfg := &Config{env: env, Score: score.Defaults()}
	fileParser := &yamlParser{lines: map[string]int{}}
	if !opts.DefaultsOnly {
		path, explicit := opts.Path, opts.Path != ""
		if path == "" {
			path, explicit = env["MEMEPIPE_CONFIG"], env["MEMEPIPE_CONFIG"] != ""
		}
		if path == "" {
			if _, err := os.Stat(DefaultFile); err == nil {
				path = DefaultFile
			}
		}
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				if errors.Is(err, fs.ErrNotExist) && explicit {
					return nil, fmt.Errorf("config file %s does not exist", path)
				}
				return nil, fmt.Errorf("config file %s: %w", path, err)
			}
			if err := k.Load(file.Provider(path), fileParser); err != nil {
				return nil, fmt.Errorf("config file %s: %w", path, err)
			}
			cfg.File = path
		}
	}

	over, warnings := envOverrides(env)
	cfg.Warnings = warnings
	if err := k.Load(mapProvider(over), nil); err != nil {
		return nil, fmt.Errorf("environment overrides: %w", err)
	}
	if len(opts.Set) > 0 {
		flags := map[string]any{}
		for key, v := range opts.Set {
			setPath(flags, key, v)
		}
		if err := k.Load(mapProvider(flags), nil); err != nil {
			return nil, fmt.Errorf("flag overrides: %w", err)
		}
	}

	raw := k.Raw()
	var errs Errors
	decoder{&errs}.decode("", raw, reflect.ValueOf(cfg).Elem())
	applyTaskDefaults(cfg, raw)
	mergeScoreMaps(&cfg.Score)
	for i := range cfg.Pipelines {
		p := &cfg.Pipelines[i]
		if p.Timezone == "" {
			p.Timezone = "UTC"
		}
		if _, set := pipelineKey(raw, i, "interval"); !set && p.Schedule == "" {
			p.Interval = Duration(DefaultInterval)
		}
	}
	cfg.Warnings = dropNamedSecrets(cfg.Warnings, cfg)
	for _, s := range secretVars {
		sec, err := lookupSecret(env, s.Env)
		if err != nil {
			errs.Add("secrets", "%v", err)
			continue
		}
		*s.field(&cfg.Secrets) = sec
	}
	cfg.buildRedactor()
	errs = append(errs, dropFollowOn(validate(cfg, raw), errs)...)
	// A database password is a secret: fine in MEMEPIPE_DB or --db, not
	// in a file that gets committed and mailed around.
	if _, inFile := fileParser.lines["db"]; inFile && env["MEMEPIPE_DB"] == "" && opts.Set["db"] == "" && hasPassword(cfg.DB) {
		errs.Add("db", "contains a password, and secrets may not be written in the config file: set MEMEPIPE_DB in the environment instead (or leave the password out and use PGPASSWORD or ~/.pgpass)")
	}
	if cfg.File != "" {
		locate(errs, cfg.File, fileParser.lines, over, opts.Set)
		// Read top to bottom, as the user will fix them.
		sort.SliceStable(errs, func(i, j int) bool {
			li, lj := errs[i].Line, errs[j].Line
			return li > 0 && (lj == 0 || li < lj)
		})
	}
	return cfg, errs.Err()
}

// pipelineKey returns raw.pipelines[i][key] and whether it is present.
func pipelineKey(raw map[string]any, i int, key string) (any, bool) {
	ps, _ := raw["pipelines"].([]any)
	if i >= len(ps) {
		return nil, false
	}
	m, _ := asMap(ps[i])
	v, ok := m[key]
	return v, ok
}

// applyTaskDefaults fills each task key the task did not write with the
// task_defaults value of the same name. It works on presence in the raw
// tree, so an explicit `retries: 0` on a task beats `task_defaults.retries: 3`.
func applyTaskDefaults(cfg *Config, raw map[string]any) {
	defs := reflect.ValueOf(cfg.TaskDefaults)
	defFields := structFields(defs.Type())
	taskFields := structFields(reflect.TypeFor[Task]())
	for i := range cfg.Pipelines {
		tasksRaw, _ := pipelineKey(raw, i, "tasks")
		list, _ := tasksRaw.([]any)
		for j := range cfg.Pipelines[i].Tasks {
			var written map[string]any
			if j < len(list) {
				written, _ = asMap(list[j])
			}
			t := reflect.ValueOf(&cfg.Pipelines[i].Tasks[j]).Elem()
			for key, di := range defFields {
				if _, ok := written[key]; ok {
					continue
				}
				t.Field(taskFields[key]).Set(defs.Field(di))
			}
		}
	}
}

// locate adds the file and line to each error whose key came from the file:
// the key's own line, or its nearest ancestor's (a missing key is reported
// at the map that lacks it). Keys overridden by the environment or a flag
// get no line: the file is not where their value came from.
func locate(errs Errors, file string, lines map[string]int, env map[string]any, flags map[string]string) {
	overridden := map[string]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			p := join(prefix, k)
			if sub, ok := v.(map[string]any); ok {
				walk(p, sub)
				continue
			}
			overridden[p] = true
		}
	}
	walk("", env)
	for k := range flags {
		overridden[k] = true
	}
	for i := range errs {
		p := errs[i].Path
		if overridden[p] {
			continue
		}
		for p != "" {
			if line, ok := lines[p]; ok {
				errs[i].File, errs[i].Line = file, line
				break
			}
			p = parentPath(p)
		}
	}
}

// parentPath drops the last element of a key path: a.b[2] -> a.b -> a -> "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// dropFollowOn removes validation errors that only repeat a decoding error:
// a value that failed to decode is left zero, and "max_parallel: must be at
// least 1, got 0" after "max_parallel: expected a whole number" is noise.
// An error is dropped when it is about the same key, a key inside it, or
// the map holding it.
func dropFollowOn(valid, decoded Errors) Errors {
	var out Errors
	for _, v := range valid {
		follow := false
		for _, d := range decoded {
			if v.Path == d.Path || isUnder(v.Path, d.Path) || v.Path == parentPath(d.Path) {
				follow = true
				break
			}
		}
		if !follow {
			out = append(out, v)
		}
	}
	return out
}

// isUnder reports whether key path p is inside key path parent.
func isUnder(p, parent string) bool {
	return parent != "" && len(p) > len(parent) && strings.HasPrefix(p, parent) && (p[len(parent)] == '.' || p[len(parent)] == '[')
}

// dropNamedSecrets removes the "not a memepipe variable" warning for
// variables the config names as secrets (an alert's secret_env may well be
// MEMEPIPE_WEBHOOK_SECRET).
func dropNamedSecrets(warnings []string, cfg *Config) []string {
	named := map[string]bool{}
	for _, n := range cfg.Alerts.Notifiers {
		for _, env := range n.SecretEnvs() {
			named[env], named[env+"_FILE"] = true, true
		}
	}
	var kept []string
	for _, w := range warnings {
		name, _, _ := strings.Cut(w, " ")
		if !named[name] {
			kept = append(kept, w)
		}
	}
	return kept
}

// mergeScoreMaps puts back the default caps and anomaly kind weights a
// file's score: section did not mention: the decoder replaces a map with
// the file's, and writing one cap must not drop the others.
func mergeScoreMaps(c *score.Config) {
	d := score.Defaults()
	for k, v := range c.Caps {
		d.Caps[k] = v
	}
	for k, v := range c.Anomaly.KindWeights {
		d.Anomaly.KindWeights[k] = v
	}
	c.Caps, c.Anomaly.KindWeights = d.Caps, d.Anomaly.KindWeights
}
