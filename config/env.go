package config

import (
	"reflect"
	"sort"
	"strings"
)

// EnvVar documents one MEMEPIPE_* variable.
type EnvVar struct {
	Name string // MEMEPIPE_DB, or a pattern such as MEMEPIPE_POOL_<NAME>
	Key  string // the config key it overrides ("" for non-key variables)
	Doc  string
}

// The mapping is explicit rather than derived ("replace _ with ."), because
// key names contain underscores: MEMEPIPE_MAX_PARALLEL is max_parallel, not
// max.parallel.
var scalarEnv = []EnvVar{
	{"MEMEPIPE_DB", "db", "database: SQLite path or postgres:// URL"},
	{"MEMEPIPE_RAW", "raw", "raw zone blob URL (file://, s3://, gs://)"},
	{"MEMEPIPE_MAX_PARALLEL", "max_parallel", "task attempts running at once"},
	{"MEMEPIPE_LOG_LEVEL", "log.level", "debug, info, warn or error"},
	{"MEMEPIPE_LOG_FORMAT", "log.format", "json, text or auto"},
	{"MEMEPIPE_SHARED_RATE_LIMITS", "shared_rate_limits", "true: the sources' rate limits are one budget in the database for every process on it"},
	{"MEMEPIPE_SHARED_POOLS", "shared_pools", "true: a pool's size bounds the Temporal workers on the database together"},
	{"MEMEPIPE_METRICS_PUSHGATEWAY", "metrics.pushgateway", "Pushgateway URL that memepipe run and each Lambda invocation push their run's metrics to"},
}

// sourceEnvKeys are the per-source keys settable as MEMEPIPE_<SOURCE>_<KEY>.
var sourceEnvKeys = []string{"base_url", "rate", "burst", "daily", "timeout"}

// childEnvPrefixes are variables memepipe sets for command tasks (and tests
// use); seeing them in memepipe's own environment is not a typo.
var childEnvPrefixes = []string{"MEMEPIPE_TEST_", "MEMEPIPE_RUN_ID", "MEMEPIPE_PIPELINE", "MEMEPIPE_TASK", "MEMEPIPE_ATTEMPT", "MEMEPIPE_INTERVAL_", "MEMEPIPE_DATA_INTERVAL_"}

// EnvVars lists every MEMEPIPE_* variable memepipe reads, for docs and
// `memepipe config --help`.
func EnvVars() []EnvVar {
	out := []EnvVar{{"MEMEPIPE_CONFIG", "", "config file to read (as --config)"}}
	out = append(out, scalarEnv...)
	out = append(out, EnvVar{"MEMEPIPE_POOL_<NAME>", "pools.<name>", "size of pool <name> (lower-cased)"})
	for _, src := range sourceNames() {
		for _, k := range sourceEnvKeys {
			out = append(out, EnvVar{"MEMEPIPE_" + strings.ToUpper(src+"_"+k), "sources." + src + "." + k, ""})
		}
	}
	for _, s := range secretVars {
		out = append(out, EnvVar{s.Env, "", s.Doc + " (secret; or " + s.Env + "_FILE)"})
	}
	return out
}

func sourceNames() []string {
	var names []string
	for name := range structFields(reflect.TypeFor[Sources]()) {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// envOverrides turns MEMEPIPE_* variables into a config tree to merge over
// the file, and warns about MEMEPIPE_* variables it does not know.
func envOverrides(env map[string]string) (tree map[string]any, warnings []string) {
	tree = map[string]any{}
	known := map[string]string{}
	for _, v := range scalarEnv {
		known[v.Name] = v.Key
	}
	for _, src := range sourceNames() {
		for _, k := range sourceEnvKeys {
			known["MEMEPIPE_"+strings.ToUpper(src+"_"+k)] = "sources." + src + "." + k
		}
	}
	ignored := map[string]bool{"MEMEPIPE_CONFIG": true}
	for _, s := range secretVars {
		ignored[s.Env], ignored[s.Env+"_FILE"] = true, true
	}
	var names []string
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !strings.HasPrefix(name, "MEMEPIPE_") || ignored[name] {
			continue
		}
		val := env[name]
		if key, ok := known[name]; ok {
			setPath(tree, key, val)
			continue
		}
		if pool, ok := strings.CutPrefix(name, "MEMEPIPE_POOL_"); ok && pool != "" {
			setPath(tree, "pools."+strings.ToLower(pool), val)
			continue
		}
		if hasAnyPrefix(name, childEnvPrefixes) {
			continue
		}
		all := make([]string, 0, len(known)+len(ignored))
		for k := range known {
			all = append(all, k)
		}
		for k := range ignored {
			all = append(all, k)
		}
		w := name + " is not a memepipe variable; ignored"
		if s := suggest(name, all); s != "" {
			w += " (did you mean " + s + "?)"
		}
		warnings = append(warnings, w)
	}
	return tree, warnings
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// setPath sets a dotted key in a nested map.
func setPath(tree map[string]any, key string, val any) {
	parts := strings.Split(key, ".")
	m := tree
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = val
}
