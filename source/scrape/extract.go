package scrape

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Selectors say where a site shows each fundamental: a CSS selector (goquery
// / cascadia, including :contains("text")) whose first match's text is the
// value, or "selector@attr" for an attribute. Links collects the href of
// every match. An empty selector means the site does not show it.
type Selectors struct {
	MarketCap         string `json:"market_cap,omitempty" koanf:"market_cap" yaml:"market_cap,omitempty"`
	FDV               string `json:"fdv,omitempty" koanf:"fdv" yaml:"fdv,omitempty"`
	TotalSupply       string `json:"total_supply,omitempty" koanf:"total_supply" yaml:"total_supply,omitempty"`
	CirculatingSupply string `json:"circulating_supply,omitempty" koanf:"circulating_supply" yaml:"circulating_supply,omitempty"`
	Holders           string `json:"holders,omitempty" koanf:"holders" yaml:"holders,omitempty"`
	Liquidity         string `json:"liquidity,omitempty" koanf:"liquidity" yaml:"liquidity,omitempty"`
	LaunchDate        string `json:"launch_date,omitempty" koanf:"launch_date" yaml:"launch_date,omitempty"`
	Links             string `json:"links,omitempty" koanf:"links" yaml:"links,omitempty"`
}

// DefaultSites are the selectors for the sites memepipe knows, checked
// against the saved pages in api-samples/html. CoinMarketCap's class names
// are generated per build, so the selectors key on the visible labels of its
// statistics block (<dt>Market cap</dt><dd>…<span>$1.26T</span>) and on its
// protocol-relative outbound links.
var DefaultSites = map[string]Selectors{
	"coinmarketcap": {
		MarketCap:         `dt:contains("Market cap") + dd span`,
		FDV:               `dt:contains("FDV") + dd span`,
		TotalSupply:       `dt:contains("Total supply") + dd span`,
		CirculatingSupply: `dt:contains("Circulating supply") + dd span`,
		Holders:           `dt:contains("Holders") + dd span`,
		Liquidity:         `dt:contains("Liquidity") + dd span`,
		LaunchDate:        `dt:contains("Launch date") + dd span`,
		Links:             `a[rel*="nofollow"][href^="//"]`,
	},
}

// Fundamentals are the values a page shows, as text ("$1.26T", "20.05M
// BTC"); ParseAmount reads the numbers. The cleaner extracts again from the
// raw page, so these are for checking the page and for logs.
type Fundamentals struct {
	MarketCap         string   `json:"market_cap,omitempty"`
	FDV               string   `json:"fdv,omitempty"`
	TotalSupply       string   `json:"total_supply,omitempty"`
	CirculatingSupply string   `json:"circulating_supply,omitempty"`
	Holders           string   `json:"holders,omitempty"`
	Liquidity         string   `json:"liquidity,omitempty"`
	LaunchDate        string   `json:"launch_date,omitempty"`
	Links             []string `json:"links,omitempty"`
}

// Found counts the fields the page showed.
func (f Fundamentals) Found() int {
	n := 0
	for _, v := range []string{f.MarketCap, f.FDV, f.TotalSupply, f.CirculatingSupply, f.Holders, f.Liquidity, f.LaunchDate} {
		if v != "" {
			n++
		}
	}
	if len(f.Links) > 0 {
		n++
	}
	return n
}

// Extract reads the fundamentals from an HTML page with the site's
// selectors; pageURL resolves relative links.
func Extract(sel Selectors, pageURL string, body []byte) (Fundamentals, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return Fundamentals{}, fmt.Errorf("parse HTML: %w", err)
	}
	var errs []error
	one := func(name, s string) string {
		if s == "" {
			return ""
		}
		css, attr, _ := strings.Cut(s, "@")
		var m *goquery.Selection
		func() {
			defer func() {
				if r := recover(); r != nil {
					errs = append(errs, fmt.Errorf("selector %s %q: %v", name, css, r))
				}
			}()
			m = doc.Find(css).First()
		}()
		if m == nil || m.Length() == 0 {
			return ""
		}
		if attr != "" {
			return strings.TrimSpace(m.AttrOr(attr, ""))
		}
		return strings.Join(strings.Fields(m.Text()), " ")
	}
	f := Fundamentals{
		MarketCap:         one("market_cap", sel.MarketCap),
		FDV:               one("fdv", sel.FDV),
		TotalSupply:       one("total_supply", sel.TotalSupply),
		CirculatingSupply: one("circulating_supply", sel.CirculatingSupply),
		Holders:           one("holders", sel.Holders),
		Liquidity:         one("liquidity", sel.Liquidity),
		LaunchDate:        one("launch_date", sel.LaunchDate),
	}
	if sel.Links != "" {
		base, _ := url.Parse(pageURL)
		seen := map[string]bool{}
		css, attr, _ := strings.Cut(sel.Links, "@")
		if attr == "" {
			attr = "href"
		}
		doc.Find(css).Each(func(_ int, s *goquery.Selection) {
			h := strings.TrimSpace(s.AttrOr(attr, ""))
			if h == "" {
				return
			}
			if u, err := url.Parse(h); err == nil && base != nil {
				h = base.ResolveReference(u).String()
			}
			if !seen[h] {
				seen[h] = true
				f.Links = append(f.Links, h)
			}
		})
		sort.Strings(f.Links)
	}
	return f, errors.Join(errs...)
}

// ParseAmount reads an amount as pages print it: "$1.26T", "20.05M BTC",
// "1,234,567", "$0.0000123", "95.5%" (as 95.5). Suffixes K, M, B, T scale by
// thousands. The unit after the number is ignored.
func ParseAmount(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimLeft(t, "$€£~≈ ")
	end := 0
	for end < len(t) && (t[end] >= '0' && t[end] <= '9' || t[end] == '.' || t[end] == ',' || (end == 0 && t[end] == '-')) {
		end++
	}
	if end == 0 {
		return 0, fmt.Errorf("no number in %q", s)
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(t[:end], ",", ""), 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	rest := strings.TrimSpace(t[end:])
	// A scale letter stands alone ("1.26T", "20.05M BTC"); "5 BTC" is a unit.
	if rest != "" && (len(rest) == 1 || !isLetter(rest[1])) {
		switch rest[0] {
		case 'K', 'k':
			v *= 1e3
		case 'M':
			v *= 1e6
		case 'B':
			v *= 1e9
		case 'T':
			v *= 1e12
		}
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("amount %q out of range", s)
	}
	return v, nil
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
