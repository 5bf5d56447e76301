package alert

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Config is the `alerts:` section of memepipe.yaml. Secrets are never in
// it: each notifier names the environment variable that holds its secret
// (the variable's _FILE twin works too, resolved by the caller).
type Config struct {
	Notifiers []NotifierConfig `koanf:"notifiers" json:"notifiers,omitempty"`
	Routes    []Route          `koanf:"routes" json:"routes,omitempty"`
	// RenotifyAfter repeats a still-firing alert after this long (default 4h).
	RenotifyAfter time.Duration `koanf:"renotify_after" json:"renotify_after,omitempty"`
	// ConsecutiveFailures is N for the consecutive_failures rule (default 3).
	ConsecutiveFailures int `koanf:"consecutive_failures" json:"consecutive_failures,omitempty"`
	// BaseURL is the web UI's address, for links to run pages.
	BaseURL string `koanf:"base_url" json:"base_url,omitempty"`
}

// NotifierConfig configures one notifier.
type NotifierConfig struct {
	Name string `koanf:"name" json:"name"`
	Type string `koanf:"type" json:"type"` // webhook, slack, email, pagerduty, opsgenie
	// URL: the webhook's endpoint; for pagerduty and opsgenie an optional
	// endpoint override (a proxy, Opsgenie's EU API).
	URL string `koanf:"url" json:"url,omitempty"`
	// URLEnv names the variable holding a secret URL (Slack's incoming webhook).
	URLEnv string `koanf:"url_env" json:"url_env,omitempty"`
	// SecretEnv names the variable holding the webhook's HMAC secret.
	SecretEnv string `koanf:"secret_env" json:"secret_env,omitempty"`
	// RoutingKeyEnv names the variable holding PagerDuty's integration key.
	RoutingKeyEnv string `koanf:"routing_key_env" json:"routing_key_env,omitempty"`
	// APIKeyEnv names the variable holding Opsgenie's API key.
	APIKeyEnv string `koanf:"api_key_env" json:"api_key_env,omitempty"`
	// Email.
	Host        string   `koanf:"host" json:"host,omitempty"`
	Port        int      `koanf:"port" json:"port,omitempty"`
	Username    string   `koanf:"username" json:"username,omitempty"`
	PasswordEnv string   `koanf:"password_env" json:"password_env,omitempty"`
	From        string   `koanf:"from" json:"from,omitempty"`
	To          []string `koanf:"to" json:"to,omitempty"`
	TLS         string   `koanf:"tls" json:"tls,omitempty"`
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration `koanf:"timeout" json:"timeout,omitempty"`
}

// SecretEnvs lists the environment variables the notifier reads secrets from.
func (n NotifierConfig) SecretEnvs() []string {
	var out []string
	for _, env := range []string{n.SecretEnv, n.URLEnv, n.RoutingKeyEnv, n.APIKeyEnv, n.PasswordEnv} {
		if env != "" {
			out = append(out, env)
		}
	}
	return out
}

// Secret looks up a secret by environment variable name (and its _FILE
// twin). It returns an error naming the variable, never the value.
type Secret func(envName string) (string, error)

// Validate lists every problem in the section with its key path under
// "alerts.".
func (c Config) Validate() error {
	var errs []error
	names := map[string]bool{}
	for i, n := range c.Notifiers {
		p := fmt.Sprintf("alerts.notifiers[%d]", i)
		if n.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: empty", p))
		} else if names[n.Name] {
			errs = append(errs, fmt.Errorf("%s.name: duplicate notifier %q", p, n.Name))
		}
		names[n.Name] = true
		need := func(key, v string) {
			if v == "" {
				errs = append(errs, fmt.Errorf("%s.%s: required for type %s", p, key, n.Type))
			}
		}
		switch n.Type {
		case "webhook":
			need("url", n.URL)
			if n.URL != "" {
				if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					errs = append(errs, fmt.Errorf("%s.url: not an http(s) URL", p))
				}
			}
		case "slack":
			if n.URL != "" {
				errs = append(errs, fmt.Errorf("%s.url: a Slack webhook URL is a secret; put it in an environment variable and name it in url_env", p))
			}
			need("url_env", n.URLEnv)
		case "pagerduty":
			need("routing_key_env", n.RoutingKeyEnv)
		case "opsgenie":
			need("api_key_env", n.APIKeyEnv)
		case "email":
			need("host", n.Host)
			need("from", n.From)
			if len(n.To) == 0 {
				errs = append(errs, fmt.Errorf("%s.to: required for type email", p))
			}
			switch n.TLS {
			case "", "starttls", "tls", "none":
			default:
				errs = append(errs, fmt.Errorf("%s.tls: %q: want starttls, tls or none", p, n.TLS))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.type: %q: want webhook, slack, email, pagerduty or opsgenie", p, n.Type))
		}
	}
	for i, r := range c.Routes {
		p := fmt.Sprintf("alerts.routes[%d]", i)
		if len(r.Notifiers) == 0 {
			errs = append(errs, fmt.Errorf("%s.notifiers: empty", p))
		}
		for _, n := range r.Notifiers {
			if !names[n] {
				errs = append(errs, fmt.Errorf("%s.notifiers: unknown notifier %q", p, n))
			}
		}
		for _, rule := range r.Rules {
			if !knownRule(rule) {
				errs = append(errs, fmt.Errorf("%s.rules: unknown rule %q", p, rule))
			}
		}
		if _, err := ParseSeverity(string(r.MinSeverity)); err != nil {
			errs = append(errs, fmt.Errorf("%s.min_severity: %w", p, err))
		}
	}
	if c.RenotifyAfter < 0 {
		errs = append(errs, errors.New("alerts.renotify_after: negative"))
	}
	if c.ConsecutiveFailures < 0 {
		errs = append(errs, errors.New("alerts.consecutive_failures: negative"))
	}
	return errors.Join(errs...)
}

func knownRule(r Rule) bool {
	for _, k := range Rules {
		if r == k {
			return true
		}
	}
	return false
}

// Build makes the configured notifiers, resolving their secrets.
func Build(c Config, secret Secret) ([]Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out []Notifier
	var errs []error
	get := func(i int, key, env string) string {
		if env == "" {
			return ""
		}
		v, err := secret(env)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts.notifiers[%d].%s: %w", i, key, err))
		}
		return v
	}
	for i, n := range c.Notifiers {
		p := newPoster(n.Timeout)
		switch n.Type {
		case "webhook":
			out = append(out, NewWebhook(n.Name, n.URL, get(i, "secret_env", n.SecretEnv), p))
		case "slack":
			out = append(out, NewSlack(n.Name, get(i, "url_env", n.URLEnv), p))
		case "pagerduty":
			out = append(out, NewPagerDuty(n.Name, n.URL, get(i, "routing_key_env", n.RoutingKeyEnv), p))
		case "opsgenie":
			out = append(out, NewOpsgenie(n.Name, n.URL, get(i, "api_key_env", n.APIKeyEnv), p))
		case "email":
			e, err := NewEmail(n.Name, EmailOptions{
				Host: n.Host, Port: n.Port, Username: n.Username, Password: get(i, "password_env", n.PasswordEnv),
				From: n.From, To: n.To, TLS: n.TLS,
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("alerts.notifiers[%d]: %w", i, err))
			}
			out = append(out, e)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
