package config

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// YAML renders the effective configuration (defaults, file, environment and
// flags merged) as YAML, for `memepipe config show`. Secrets print as
// "[redacted]" when set and "" when not, so the output shows which
// credentials are configured without showing any.
func (c *Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	src := "embedded defaults"
	if c.File != "" {
		src = "embedded defaults < " + c.File
	}
	fmt.Fprintf(&buf, "# effective memepipe configuration: %s < MEMEPIPE_* environment < flags\n", src)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	shown := *c
	shown.DB = RedactURL(c.DB)
	shown.Raw = RedactURL(c.Raw)
	for _, s := range []*Source{&shown.Sources.Twitter, &shown.Sources.Yahoo, &shown.Sources.Etherscan, &shown.Sources.Scrape} {
		s.BaseURL = RedactURL(s.BaseURL)
	}
	if err := enc.Encode(&shown); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
