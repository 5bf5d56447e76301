package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// YAML renders the effective configuration (defaults, file, environment and
// flags merged) as YAML, for `memepipe config show`. Secrets print as
// "[redacted]" when set and "" when not, so the output shows which
// credentials are configured without showing any.
func (c *Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	src := "embedded defaults only"
	if c.File != "" {
		src = "embedded defaults < " + c.File
	}
	fmt.Fprintf(&buf, "# effective memepipe configuration: %s < MEMEPIPE_* environment < flags\n", src)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
