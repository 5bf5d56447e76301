package robots

import (
	"testing"
	"time"
)

const sample = `# robots.txt
User-agent: *
Disallow: /private/
Disallow: /*.json$
Allow: /private/public-*
Crawl-delay: 2

User-agent: Googlebot
User-agent: memepipe
Disallow: /currencies/*/historical-data
Allow: /currencies/
Disallow: /api
Crawl-delay: 7.5

User-agent: badbot
Disallow: /

Sitemap: https://example.com/sitemap.xml
`

func TestGroupsAndPrecedence(t *testing.T) {
	cases := []struct {
		agent, url string
		want       bool
	}{
		// memepipe has its own group: the * group does not apply.
		{"memepipe", "https://coinmarketcap.com/currencies/bitcoin/", true},
		{"memepipe", "https://coinmarketcap.com/currencies/bitcoin/historical-data", false},
		{"memepipe", "/api/v3/x", false},
		{"memepipe", "/private/anything", true},
		{"memepipe/0.3", "/api", false}, // a versioned agent matches its product token
		{"MemePipe", "/api", false},     // case-insensitive
		// Everyone else follows *.
		{"otherbot", "/private/x", false},
		{"otherbot", "/private/public-page", true}, // longer Allow wins
		{"otherbot", "/data/list.json", false},
		{"otherbot", "/data/list.json?x=1", true}, // $ anchors the end
		{"otherbot", "/robots.txt", true},
		{"badbot", "/", false},
		{"badbot", "/robots.txt", true},
	}
	for _, c := range cases {
		if got := Parse([]byte(sample), c.agent).Allowed(c.url); got != c.want {
			t.Errorf("%s %s: allowed=%v, want %v", c.agent, c.url, got, c.want)
		}
	}
	if d := Parse([]byte(sample), "memepipe").CrawlDelay(); d != 7500*time.Millisecond {
		t.Errorf("crawl-delay = %s", d)
	}
	if d := Parse([]byte(sample), "other").CrawlDelay(); d != 2*time.Second {
		t.Errorf("* crawl-delay = %s", d)
	}
}

func TestTieGoesToAllowAndEmptyDisallow(t *testing.T) {
	r := Parse([]byte("User-agent: *\nDisallow: /page\nAllow: /page\n"), "memepipe")
	if !r.Allowed("/page") {
		t.Error("equal-length Allow should win")
	}
	r = Parse([]byte("User-agent: *\nDisallow:\n"), "memepipe")
	if !r.Allowed("/anything") {
		t.Error("empty Disallow should allow all")
	}
	r = Parse([]byte("User-agent: *\nDisallow: /a%3cb\n"), "memepipe")
	if r.Allowed("/a%3Cb") {
		t.Error("percent-encoding case should not matter")
	}
	if Parse(nil, "memepipe").Allowed("/x") != true {
		t.Error("empty robots.txt should allow all")
	}
}

func TestStatusRules(t *testing.T) {
	if !ForStatus(404).Allowed("/x") || !ForStatus(403).Allowed("/x") {
		t.Error("4xx robots.txt means no restrictions")
	}
	if ForStatus(503).Allowed("/x") || ForStatus(0).Allowed("/x") {
		t.Error("unreachable robots.txt means disallow all")
	}
	if !ForStatus(503).Allowed("/robots.txt") {
		t.Error("robots.txt itself is always allowed")
	}
}
