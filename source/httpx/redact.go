package httpx

import (
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret wherever one would have been shown.
const Redacted = "REDACTED"

// secretParams are query parameter names (lower case) whose values are
// credentials: Etherscan's apikey, generic key/token/secret names, and
// Yahoo's crumb (a session credential bound to the cookie).
var secretParams = map[string]bool{
	"apikey": true, "api_key": true, "api-key": true, "x-api-key": true, "key": true,
	"token": true, "access_token": true, "refresh_token": true, "id_token": true, "bearer": true,
	"auth": true, "authorization": true, "secret": true, "client_secret": true,
	"password": true, "passwd": true, "pwd": true, "signature": true, "sig": true,
	"crumb": true, "session": true, "sessionid": true, "private_key": true,
}

// isSecretParam reports whether a query parameter carries a credential.
// Pagination cursors (next_token, pagination_token) do not.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	if secretParams[n] {
		return true
	}
	for _, suffix := range []string{"apikey", "api_key", "_secret", "password", "access_token"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// Redact returns rawURL with the values of credential query parameters
// (apikey, api_key, token, key, crumb, …) and any userinfo password replaced
// by REDACTED. Parameter order and encoding are kept, so the redacted URL
// still says which page was asked for. A string that does not parse as a URL
// is redacted textually.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return RedactText(rawURL)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		}
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			name, _, hasValue := strings.Cut(p, "=")
			dec, err := url.QueryUnescape(name)
			if err != nil {
				dec = name
			}
			if hasValue && isSecretParam(dec) {
				parts[i] = name + "=" + Redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

var (
	// secretParamRE finds name=value pairs of credential parameters in free
	// text (an error message quoting a URL, a log line).
	secretParamRE = regexp.MustCompile(`(?i)\b([a-z_-]*(?:apikey|api_key|api-key|access_token|refresh_token|_secret|password)|key|token|secret|crumb|sig|signature|auth)=([^&\s"'<>]+)`)
	bearerRE      = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=%-]+`)
)

// RedactText redacts credential query parameters and bearer tokens in free
// text.
func RedactText(s string) string {
	s = secretParamRE.ReplaceAllString(s, "${1}="+Redacted)
	return bearerRE.ReplaceAllString(s, "${1}"+Redacted)
}

// Secrets scrubs known secret values (an API key, a bearer token) from text,
// in plain and URL-encoded form: the last line of defence behind Redact, for
// messages that quote a secret in an unexpected place (a server echoing the
// key in an error page).
type Secrets struct {
	mu   sync.RWMutex
	vals []string
}

// NewSecrets returns a scrubber for the given values; empty values and
// values shorter than 6 characters (which would redact ordinary words) are
// ignored.
func NewSecrets(vals ...string) *Secrets {
	s := &Secrets{}
	s.Add(vals...)
	return s
}

// Add registers more secret values.
func (s *Secrets) Add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < 6 {
			continue
		}
		s.vals = append(s.vals, v)
		if q := url.QueryEscape(v); q != v {
			s.vals = append(s.vals, q)
		}
		if p := url.PathEscape(v); p != v {
			s.vals = append(s.vals, p)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(s.vals, func(i, j int) bool { return len(s.vals[i]) > len(s.vals[j]) })
}

// Scrub returns text with every known secret value replaced and credential
// parameters redacted.
func (s *Secrets) Scrub(text string) string {
	if s != nil {
		s.mu.RLock()
		for _, v := range s.vals {
			text = strings.ReplaceAll(text, v, Redacted)
		}
		s.mu.RUnlock()
	}
	return RedactText(text)
}

// scrubbedError carries a redacted message while keeping the cause for
// errors.Is/As (context.DeadlineExceeded, net.Error, the error class).
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubError rewrites err so that neither its message nor an embedded
// *url.Error (net/http puts the full request URL, query and all, in it)
// shows a secret.
func (s *Secrets) scrubError(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = Redact(ue.URL)
	}
	msg := s.Scrub(err.Error())
	return &scrubbedError{msg: msg, err: err}
}
