// Package robots reads robots.txt (RFC 9309) and answers whether a crawler
// may fetch a path: groups by user agent, Allow/Disallow with the longest
// match winning (Allow on a tie), the * and $ wildcards, and the
// non-standard Crawl-delay the politeness delay honours.
package robots

import (
	"bufio"
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Rules are the rules that apply to one user agent.
type Rules struct {
	rules      []rule
	crawlDelay time.Duration
	// disallowAll is set for an unreachable robots.txt (RFC 9309 2.3.1.4).
	disallowAll bool
}

type rule struct {
	allow   bool
	pattern string
}

// AllowAll is the answer when robots.txt is missing (any 4xx).
var AllowAll = &Rules{}

// DisallowAll is the answer when robots.txt is unreachable (5xx, network).
var DisallowAll = &Rules{disallowAll: true}

// ForStatus returns the rules implied by robots.txt's HTTP status when the
// body cannot be used: 4xx allows everything, anything else (5xx,
// unreachable) disallows everything. Call Parse for a 2xx body.
func ForStatus(status int) *Rules {
	if status >= 400 && status < 500 {
		return AllowAll
	}
	return DisallowAll
}

// Parse reads a robots.txt body and returns the rules for agent (a product
// token such as "memepipe"): the groups naming it, or else the "*" groups.
// Only the first 500 KiB are read, as RFC 9309 allows.
func Parse(body []byte, agent string) *Rules {
	if len(body) > 500<<10 {
		body = body[:500<<10]
	}
	agent = strings.ToLower(agent)
	var specific, star Rules
	var foundSpecific bool
	// Lines of the current group apply to these targets.
	var targets []*Rules
	inAgents := false // the previous line was a user-agent line
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if !inAgents {
				targets = nil
			}
			inAgents = true
			ua := strings.ToLower(val)
			switch {
			case ua == "*":
				targets = append(targets, &star)
			case ua == agent || strings.HasPrefix(agent, ua+"/"):
				targets = append(targets, &specific)
				foundSpecific = true
			}
		case "allow", "disallow":
			inAgents = false
			if val == "" {
				continue // "Disallow:" with nothing allows everything
			}
			for _, t := range targets {
				t.rules = append(t.rules, rule{allow: key == "allow", pattern: val})
			}
		case "crawl-delay":
			inAgents = false
			if secs, err := strconv.ParseFloat(val, 64); err == nil && secs > 0 {
				for _, t := range targets {
					t.crawlDelay = time.Duration(secs * float64(time.Second))
				}
			}
		default:
			// Sitemap and unknown lines neither start nor end a group.
		}
	}
	if foundSpecific {
		return &specific
	}
	return &star
}

// Allowed reports whether the URL's path (with its query) may be fetched.
// A string that is not an absolute URL is taken as a path.
func (r *Rules) Allowed(rawURL string) bool {
	if r == nil {
		return true
	}
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil && u.IsAbs() {
		path = u.EscapedPath()
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
	}
	if path == "" {
		path = "/"
	}
	if path == "/robots.txt" {
		return true
	}
	if r.disallowAll {
		return false
	}
	best, allowed := -1, true
	for _, ru := range r.rules {
		if n := matchLen(ru.pattern, path); n >= 0 && (n > best || (n == best && ru.allow)) {
			best, allowed = n, ru.allow
		}
	}
	return allowed
}

// CrawlDelay is the delay the site asks between requests (0: none).
func (r *Rules) CrawlDelay() time.Duration {
	if r == nil {
		return 0
	}
	return r.crawlDelay
}

// matchLen returns the pattern's length (its specificity) if it matches the
// start of path, or -1. "*" matches any run of characters, a final "$"
// anchors the end. Percent-encoding is normalised to upper case on both
// sides.
func matchLen(pattern, path string) int {
	p := normalise(pattern)
	s := normalise(path)
	anchored := strings.HasSuffix(p, "$")
	p = strings.TrimSuffix(p, "$")
	if globMatch(p, s, anchored) {
		return len(pattern)
	}
	return -1
}

func globMatch(p, s string, anchored bool) bool {
	parts := strings.Split(p, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(s[pos:], part)
		}
		j := strings.Index(s[pos:], part)
		if j < 0 {
			return false
		}
		pos += j + len(part)
	}
	if anchored && len(parts) == 1 {
		return pos == len(s)
	}
	return true
}

func normalise(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
