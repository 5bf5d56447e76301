package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

const redacted = "[redacted]"

// Secret holds a credential (an API key, a bearer token, a webhook secret).
// Every way Go prints a value (fmt verbs including %#v, JSON, YAML, text,
// slog) prints "[redacted]" when it is set and "" when it is not, so a
// Secret that ends up in a log line, an error or `memepipe config show`
// leaks nothing. Only Reveal returns the value: call it where the secret is
// put on the wire, nowhere else.
type Secret struct {
	value string
}

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s.value != "" }

func (s Secret) shown() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

func (s Secret) String() string   { return s.shown() }
func (s Secret) GoString() string { return "config.Secret(" + s.shown() + ")" }

// Format makes every fmt verb (%v %+v %#v %s %q %x ...) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.shown())
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.shown())
	default:
		fmt.Fprint(f, s.shown())
	}
}

func (s Secret) MarshalJSON() ([]byte, error)  { return json.Marshal(s.shown()) }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(s.shown()), nil }
func (s Secret) MarshalYAML() (any, error)     { return s.shown(), nil }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(s.shown()) }
func (s *Secret) UnmarshalText(b []byte) error { return fmt.Errorf("secrets are not read from text") }

// Secrets are the credentials memepipe itself uses. They come only from the
// environment: NAME, or NAME_FILE naming a file that holds the value (the
// Docker and Kubernetes secrets convention). Never from the config file.
type Secrets struct {
	// TwitterBearerToken authenticates X API v2 calls (app-only bearer).
	TwitterBearerToken Secret `koanf:"twitter_bearer_token" yaml:"twitter_bearer_token" json:"twitter_bearer_token" env:"MEMEPIPE_TWITTER_BEARER_TOKEN"`
	// EtherscanAPIKey authenticates Etherscan API V2 calls.
	EtherscanAPIKey Secret `koanf:"etherscan_api_key" yaml:"etherscan_api_key" json:"etherscan_api_key" env:"MEMEPIPE_ETHERSCAN_API_KEY"`
	// APIToken is the bearer token clients of memepipe's own HTTP API must send.
	APIToken Secret `koanf:"api_token" yaml:"api_token" json:"api_token" env:"MEMEPIPE_API_TOKEN"`
}

// secretVars maps each secret's variable to where it lands, for loading and docs.
var secretVars = []struct {
	Env, Doc string
	field    func(*Secrets) *Secret
}{
	{"MEMEPIPE_TWITTER_BEARER_TOKEN", "X API v2 app-only bearer token", func(s *Secrets) *Secret { return &s.TwitterBearerToken }},
	{"MEMEPIPE_ETHERSCAN_API_KEY", "Etherscan API key", func(s *Secrets) *Secret { return &s.EtherscanAPIKey }},
	{"MEMEPIPE_API_TOKEN", "bearer token for memepipe's own HTTP API", func(s *Secrets) *Secret { return &s.APIToken }},
}

// lookupSecret reads name from env, or the file named by name_FILE. Setting
// both is an error (which one would win is a guess), as is an unreadable or
// empty file. Errors name the variable and the file, never the value.
func lookupSecret(env map[string]string, name string) (Secret, error) {
	v, hasV := env[name]
	path, hasF := env[name+"_FILE"]
	switch {
	case hasV && hasF:
		return Secret{}, fmt.Errorf("both %s and %s_FILE are set; set only one", name, name)
	case hasF:
		b, err := os.ReadFile(path)
		if err != nil {
			return Secret{}, fmt.Errorf("%s_FILE: cannot read secret file: %v", name, errNoValue(err))
		}
		// Files written by editors, echo and Kubernetes end in a newline that
		// is not part of the secret.
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return Secret{}, fmt.Errorf("%s_FILE: secret file %s is empty", name, path)
		}
		return NewSecret(s), nil
	case hasV:
		return NewSecret(v), nil
	}
	return Secret{}, nil
}

// errNoValue keeps an os error's operation and path but drops anything else.
func errNoValue(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s %s: %v", pe.Op, pe.Path, pe.Err)
	}
	return err
}

// SecretValues returns every secret value the configuration can reach (the
// Secrets and each alert notifier's *_env variable), for scrubbing from
// outgoing messages as a last line of defence. Unset and unreadable ones
// are left out.
func (c *Config) SecretValues() []string {
	var out []string
	for _, v := range secretVars {
		if s := v.field(&c.Secrets); s.IsSet() {
			out = append(out, s.Reveal())
		}
	}
	for _, n := range c.Alerts.Notifiers {
		for _, env := range n.SecretEnvs() {
			if s, err := c.SecretFromEnv(env); err == nil && s.IsSet() {
				out = append(out, s.Reveal())
			}
		}
	}
	return out
}

// RequiredSecret is SecretFromEnv for a secret that must be set: an unset
// variable is an error naming it (and its _FILE twin).
func (c *Config) RequiredSecret(name string) (string, error) {
	s, err := c.SecretFromEnv(name)
	if err != nil {
		return "", err
	}
	if !s.IsSet() {
		return "", fmt.Errorf("environment variable %s (or %s_FILE) is not set", name, name)
	}
	return s.Reveal(), nil
}

// Redact replaces every known secret value in s with [redacted]: the last
// line of defence for text memepipe did not write itself (a command's
// output, an upstream's error message) before it reaches a terminal, a log
// or the database.
func (c *Config) Redact(s string) string {
	if c == nil || c.redactor == nil {
		return s
	}
	return c.redactor.Replace(s)
}

func (c *Config) buildRedactor() {
	var pairs []string
	for _, v := range c.SecretValues() {
		if len(v) >= 4 { // shorter values would redact ordinary words
			pairs = append(pairs, v, redacted)
		}
	}
	if len(pairs) > 0 {
		c.redactor = strings.NewReplacer(pairs...)
	}
}
