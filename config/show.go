package config

import (
	"bytes"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML renders the effective configuration (defaults, file, environment and
// flags merged, task_defaults applied) as YAML, for `memepipe config show`.
// Keys are the ones Load reads (koanf tags), so the output is itself a
// valid config apart from the secrets section. Secrets print as
// "[redacted]" when set and "" when not, which shows which credentials are
// configured without showing any; passwords in URLs print as xxxxx.
func (c *Config) YAML() ([]byte, error) {
	shown := *c
	shown.DB = RedactURL(c.DB)
	shown.Raw = RedactURL(c.Raw)
	for _, s := range []*Source{&shown.Sources.Twitter, &shown.Sources.Yahoo, &shown.Sources.Etherscan, &shown.Sources.Scrape} {
		s.BaseURL = RedactURL(s.BaseURL)
	}
	root := toNode(reflect.ValueOf(shown))
	root.Content = append(root.Content, scalarNode("secrets"), toNode(reflect.ValueOf(c.Secrets)))
	root.Content[len(root.Content)-2].HeadComment = "from the environment only (NAME or NAME_FILE); never shown"

	var buf bytes.Buffer
	src := "embedded defaults"
	if c.File != "" {
		src += " < " + c.File
	}
	fmt.Fprintf(&buf, "# effective memepipe configuration: %s < MEMEPIPE_* environment < flags\n", src)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func scalarNode(v any) *yaml.Node {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		panic(err)
	}
	return &n
}

// toNode renders v with the key names and value syntax the decoder reads.
// Struct fields whose yaml or json tag says omitempty are left out when zero.
func toNode(v reflect.Value) *yaml.Node {
	switch v.Type() {
	case durationType:
		return scalarNode(v.Interface().(Duration).String())
	case stdDuration:
		return scalarNode(Duration(v.Int()).String())
	case rateType:
		return scalarNode(v.Interface().(Rate).String())
	case secretType:
		return scalarNode(v.Interface().(Secret).shown())
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return scalarNode(nil)
		}
		return toNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			key, ok := fieldKey(f)
			if !ok {
				continue
			}
			fv := v.Field(i)
			if fv.IsZero() && omitEmpty(f) {
				continue
			}
			n.Content = append(n.Content, scalarNode(key), toNode(fv))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := v.MapKeys()
		strs := make([]string, len(keys))
		for i, k := range keys {
			strs[i] = fmt.Sprint(k.Interface())
		}
		for _, k := range sortedKeys(toSet(strs)) {
			n.Content = append(n.Content, scalarNode(k), toNode(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))))
		}
		return n
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle // []
		}
		for i := range v.Len() {
			n.Content = append(n.Content, toNode(v.Index(i)))
		}
		if v.Type().Elem().Kind() == reflect.String && v.Len() > 0 && v.Len() <= 8 {
			n.Style = yaml.FlowStyle // command: [python, collect.py]
		}
		return n
	}
	return scalarNode(v.Interface())
}

// fieldKey is the config key of a struct field: its koanf tag, or for
// fields not read from the file (koanf:"-") nothing.
func fieldKey(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := strings.Split(f.Tag.Get("koanf"), ",")[0]
	if tag == "-" {
		return "", false
	}
	if tag == "" {
		tag = strings.ToLower(f.Name)
	}
	return tag, true
}

func omitEmpty(f reflect.StructField) bool {
	return strings.Contains(f.Tag.Get("yaml"), ",omitempty") || strings.Contains(f.Tag.Get("json"), ",omitempty")
}

func toSet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

var dsnPasswordRE = regexp.MustCompile(`(?i)(password=)('[^']*'|\S+)`)

// RedactURL hides a password in a URL (postgres://u:xxxxx@host/db) or a
// key=value DSN (password=xxxxx), for output and logs.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return dsnPasswordRE.ReplaceAllString(s, "${1}xxxxx")
}

// hasPassword reports whether a URL or DSN carries a password.
func hasPassword(s string) bool { return RedactURL(s) != s }
