package config

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// decode copies the merged configuration tree (maps, lists and scalars as
// the YAML parser and the environment produce them) into Go values,
// recording every problem with its key path instead of stopping at the
// first. It is strict where a typo would silently change behaviour: unknown
// keys, secrets in the file and numbers without units are errors.
//
// Struct fields are matched by their `koanf` tag; `koanf:"-"` fields are
// not configurable from the file.
type decoder struct {
	errs *Errors
}

var (
	durationType = reflect.TypeFor[Duration]()
	stdDuration  = reflect.TypeFor[time.Duration]()
	rateType     = reflect.TypeFor[Rate]()
	secretType   = reflect.TypeFor[Secret]()
)

func (d decoder) decode(path string, in any, out reflect.Value) {
	if in == nil {
		return // "key:" with no value keeps the zero value
	}
	switch out.Type() {
	case durationType, stdDuration:
		switch v := in.(type) {
		case string:
			dur, err := ParseDuration(v)
			if err != nil {
				d.errs.Add(path, "%v", err)
				return
			}
			out.SetInt(int64(dur))
		default:
			if f, ok := number(in); ok {
				if f != 0 {
					d.errs.Add(path, "duration %v has no unit: write %vs, %vm or %vh", in, in, in, in)
				}
				return
			}
			d.errs.Add(path, "expected a duration such as 30s or 1h, got %s", describe(in))
		}
		return
	case rateType:
		s, ok := in.(string)
		if !ok {
			if f, isNum := number(in); isNum {
				s, ok = strconv.FormatFloat(f, 'f', -1, 64), true
			}
		}
		if !ok {
			d.errs.Add(path, "expected a rate such as 3/s or 450/15m, got %s", describe(in))
			return
		}
		r, err := ParseRate(s)
		if err != nil {
			d.errs.Add(path, "%v", err)
			return
		}
		out.Set(reflect.ValueOf(r))
		return
	case secretType:
		d.errs.Add(path, "secrets are read from the environment only")
		return
	}

	switch out.Kind() {
	case reflect.String:
		switch v := in.(type) {
		case string:
			out.SetString(v)
		case bool, int, int64, uint64, float64:
			// YAML reads `command: [true]` as a boolean; the user meant the word.
			out.SetString(fmt.Sprint(v))
		default:
			d.errs.Add(path, "expected a string, got %s", describe(in))
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := integer(in)
		if !ok {
			d.errs.Add(path, "expected a whole number, got %s", describe(in))
			return
		}
		out.SetInt(n)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		n, ok := integer(in)
		if !ok || n < 0 {
			d.errs.Add(path, "expected a whole number >= 0, got %s", describe(in))
			return
		}
		out.SetUint(uint64(n))
	case reflect.Float64:
		f, ok := number(in)
		if !ok {
			if s, isStr := in.(string); isStr {
				if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					f, ok = v, true
				}
			}
		}
		if !ok {
			d.errs.Add(path, "expected a number, got %s", describe(in))
			return
		}
		out.SetFloat(f)
	case reflect.Bool:
		switch v := in.(type) {
		case bool:
			out.SetBool(v)
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				d.errs.Add(path, "expected true or false, got %q", v)
				return
			}
			out.SetBool(b)
		default:
			d.errs.Add(path, "expected true or false, got %s", describe(in))
		}
	case reflect.Slice:
		list, ok := in.([]any)
		if !ok {
			d.errs.Add(path, "expected a list, got %s", describe(in))
			return
		}
		s := reflect.MakeSlice(out.Type(), len(list), len(list))
		for i, item := range list {
			d.decode(join(path, i), item, s.Index(i))
		}
		out.Set(s)
	case reflect.Map:
		m, ok := asMap(in)
		if !ok {
			d.errs.Add(path, "expected a map of keys to values, got %s", describe(in))
			return
		}
		mv := reflect.MakeMapWithSize(out.Type(), len(m))
		for _, k := range sortedKeys(m) {
			kp := join(path, k)
			if looksSecret(k) {
				d.secretError(kp)
				continue
			}
			ev := reflect.New(out.Type().Elem()).Elem()
			d.decode(kp, m[k], ev)
			mv.SetMapIndex(reflect.ValueOf(k), ev)
		}
		out.Set(mv)
	case reflect.Struct:
		m, ok := asMap(in)
		if !ok {
			d.errs.Add(path, "expected a map of keys to values, got %s", describe(in))
			return
		}
		fields := structFields(out.Type())
		for _, k := range sortedKeys(m) {
			kp := join(path, k)
			i, known := fields[k]
			switch {
			case looksSecret(k):
				d.secretError(kp)
			case !known:
				if s := suggest(k, keysOf(fields)); s != "" {
					d.errs.Add(kp, "unknown key (did you mean %q?)", s)
				} else {
					d.errs.Add(kp, "unknown key (known keys: %s)", strings.Join(keysOf(fields), ", "))
				}
			default:
				d.decode(kp, m[k], out.Field(i))
			}
		}
	case reflect.Interface:
		d.checkSecrets(path, in)
		out.Set(reflect.ValueOf(normalize(in)))
	default:
		panic(fmt.Sprintf("config: cannot decode into %s at %s", out.Type(), path))
	}
}

// checkSecrets walks a free-form value (task params, alerts) for
// secret-looking keys.
func (d decoder) checkSecrets(path string, in any) {
	if m, ok := asMap(in); ok {
		for _, k := range sortedKeys(m) {
			if looksSecret(k) {
				d.secretError(join(path, k))
				continue
			}
			d.checkSecrets(join(path, k), m[k])
		}
	}
	if l, ok := in.([]any); ok {
		for i, v := range l {
			d.checkSecrets(join(path, i), v)
		}
	}
}

// secretError explains where the secret at path must come from instead.
// It never repeats the value.
func (d decoder) secretError(path string) {
	hint := "set it in the environment (or NAME_FILE) instead: a command task inherits memepipe's environment; elsewhere name the variable with a key ending in _env (secret_env: MY_WEBHOOK_SECRET)"
	switch strings.ToLower(path) {
	case "sources.twitter.bearer_token", "sources.twitter.token":
		hint = "set MEMEPIPE_TWITTER_BEARER_TOKEN (or MEMEPIPE_TWITTER_BEARER_TOKEN_FILE) in the environment instead"
	case "sources.etherscan.api_key", "sources.etherscan.apikey":
		hint = "set MEMEPIPE_ETHERSCAN_API_KEY (or MEMEPIPE_ETHERSCAN_API_KEY_FILE) in the environment instead"
	case "api_token", "api.token", "secrets":
		hint = "set MEMEPIPE_API_TOKEN, MEMEPIPE_TWITTER_BEARER_TOKEN or MEMEPIPE_ETHERSCAN_API_KEY (or their _FILE forms) in the environment instead"
	}
	d.errs.Add(path, "looks like a secret, and secrets may not be written in the config file: %s", hint)
}

// looksSecret reports whether a key names a credential: it contains
// password, secret or credentials, or ends in token or (api|access|private|
// secret) key. Keys ending in _env or _file name where a secret is, not the
// secret, and are allowed. "token" only counts at the end, so that keys
// about watchlist tokens (token_symbol, tokens) are not flagged.
func looksSecret(key string) bool {
	parts := keyWords(key)
	if len(parts) == 0 {
		return false
	}
	last := parts[len(parts)-1]
	if last == "env" || last == "file" {
		return false
	}
	for _, p := range parts {
		switch p {
		case "password", "passwd", "secret", "secrets", "credential", "credentials", "apikey", "privatekey":
			return true
		}
	}
	switch last {
	case "token", "bearer":
		return true
	case "key":
		if len(parts) > 1 {
			switch parts[len(parts)-2] {
			case "api", "access", "private", "secret", "signing":
				return true
			}
		}
	}
	return false
}

// keyWords splits snake_case, kebab-case, dotted and camelCase keys into
// lower-case words.
func keyWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			flush()
		case unicode.IsUpper(r) && i > 0 && unicode.IsLower(rs[i-1]):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// structFields maps koanf tag names to field indexes.
func structFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("koanf"), ",")[0]
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		out[tag] = i
	}
	return out
}

func keysOf(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// asMap accepts both map shapes a YAML parser produces.
func asMap(in any) (map[string]any, bool) {
	switch m := in.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out, true
	}
	return nil, false
}

// normalize turns map[any]any into map[string]any throughout, so free-form
// values marshal to JSON.
func normalize(in any) any {
	if m, ok := asMap(in); ok {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = normalize(v)
		}
		return out
	}
	if l, ok := in.([]any); ok {
		out := make([]any, len(l))
		for i, v := range l {
			out[i] = normalize(v)
		}
		return out
	}
	return in
}

func number(in any) (float64, bool) {
	switch v := in.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// integer accepts whole numbers, including ones that arrive as strings
// from the environment.
func integer(in any) (int64, bool) {
	switch v := in.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, false
		}
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func describe(in any) string {
	switch v := in.(type) {
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int, int64, uint64, float64:
		return fmt.Sprint(v)
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a map"
	}
	return fmt.Sprintf("%T", in)
}

// Decode copies a free-form value (a built-in task's params) into out, a
// pointer to a struct with `koanf` tags, as strictly as the config file is
// read: unknown keys, wrong types and unit-less durations are errors. The
// returned Errors have paths relative to the value ("since", "pages[0]");
// tasks.Build prefixes them with the task's key path.
func Decode(in any, out any) error {
	var errs Errors
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic("config.Decode: out must be a non-nil pointer")
	}
	if in == nil {
		in = map[string]any{}
	}
	decoder{&errs}.decode("", in, v.Elem())
	return errs.Err()
}
