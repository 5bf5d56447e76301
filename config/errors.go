package config

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem with the configuration, located by its key path
// (pipelines[0].tasks[2].depends_on) so the user can find it in the file.
type FieldError struct {
	Path string
	Msg  string
	// File and Line locate the key in the config file, when it came from
	// one (not from defaults, the environment or a flag).
	File string
	Line int
}

func (e FieldError) Error() string {
	s := e.Msg
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	if e.File != "" && e.Line > 0 {
		s = fmt.Sprintf("%s:%d: %s", e.File, e.Line, s)
	}
	return s
}

// Errors is every problem found in a configuration, in a stable order
// (struct fields as declared, map keys sorted, list items in order). Validation never stops at the first problem: fixing a config one
// error per run is how people learn to hate a tool.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a FieldError.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Add records a problem at path.
func (es *Errors) Add(path, format string, args ...any) {
	*es = append(*es, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Err returns es as an error, or nil when there is none.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// join builds a child key path: join("a", "b") is "a.b", join("a", 2) is "a[2]".
func join(path string, key any) string {
	switch k := key.(type) {
	case int:
		return fmt.Sprintf("%s[%d]", path, k)
	case string:
		if path == "" {
			return k
		}
		return path + "." + k
	}
	panic(fmt.Sprintf("config: bad path element %T", key))
}

// suggest returns the known key closest to key, when it is close enough to
// be a typo ("dependson" -> "depends_on"), or "".
func suggest(key string, known []string) string {
	best, bestD := "", 1<<30
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	for _, k := range known {
		if norm(k) == norm(key) {
			return k
		}
		if d := levenshtein(strings.ToLower(key), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= 2 || (bestD <= 3 && len(key) >= 8) {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
