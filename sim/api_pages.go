package sim

import (
	"fmt"
	"html"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const robotsTxt = `# memepipe simulator
User-agent: *
Disallow: /pages/private/
Disallow: /pages/search
Allow: /pages/currencies/

Sitemap: /pages/sitemap.xml
`

func (s *Sim) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, robotsTxt)
}

func (s *Sim) bySlug(slug string) *token {
	for _, t := range s.m.tokens {
		if t.Slug == slug {
			return t
		}
	}
	return nil
}

// page is a token's fundamentals page, shaped like CoinMarketCap's coin
// page (the data-role / data-test hooks scrapers select on) but small.
func (s *Sim) page(w http.ResponseWriter, r *http.Request) {
	t := s.bySlug(r.PathValue("slug"))
	now := s.now()
	if t == nil || now < t.launch {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<!DOCTYPE html><html lang=\"en\"><head><title>Page not found | CoinMarketCap</title></head><body><h1>Sorry, we couldn't find your page</h1></body></html>\n")
		return
	}
	eth := s.m.ethAt(now)
	cur, st := s.current(t)
	usd := cur * eth
	h24 := s.span(t, now-86400, now+1)
	chg := 0.0
	if h24.open > 0 {
		chg = (cur/h24.open - 1) * 100
	}
	mcap := usd * t.supplyF
	vol := h24.volWETH * eth
	liq := 2 * fromUnits(st.rWeth, 18) * eth
	dir := "up"
	color := "green"
	if chg < 0 {
		dir, color = "down", "red"
	}
	holders := st.holders
	if h := s.m.hourOf(now); h >= 0 && h < s.m.hours {
		holders = s.m.skel(t).states[h].holders
	}
	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<title>%s price today, %s to USD live price, marketcap and chart | CoinMarketCap</title>
<meta name="description" content="The live %s price today is %s USD with a 24-hour trading volume of %s USD.">
<link rel="canonical" href="https://coinmarketcap.com/currencies/%s/">
</head>
<body>
<div id="__next"><div class="main-content">
<div data-module-name="Coin-stats" class="coin-stats" data-test="section-coin-stats">
<section>
<div class="coin-stats-header" id="section-coin-overview">
<div data-role="el"><div data-role="coin-logo"><img src="https://s2.coinmarketcap.com/static/img/coins/64x64/%d.png" height="24" width="24" alt="%s"></div>
<h1><span data-role="coin-name" title="%s">%s<span class="coin-name-mobile"> price</span></span> <div class="coin-symbol-wrapper"><span class="base-text" data-role="coin-symbol">%s</span></div></h1></div>
<div data-role="el"><span class="base-text" data-test="text-cdp-price-display">%s</span>
<div data-role="percentage-value"><p color="%s" class="change-text" data-change="%s">%.2f%% (24h)</p></div></div>
</div>
</section>
<div class="coin-metrics" data-role="stats-block" id="section-coin-stats">
<h2 class="stats-title">%s statistics</h2>
<div class="coin-metrics-table"><dl>
`, e(t.Name), e(t.Symbol), e(t.Name), cmcUSD(usd), cmcUSD(vol), t.Slug, 30000+t.idx, e(t.Symbol), e(t.Name), e(t.Name), e(t.Symbol), cmcUSD(usd), color, dir, math.Abs(chg), e(t.Name))
	item := func(label, test, value string) {
		fmt.Fprintf(&b, `<div data-role="group-item"><div><dt><div><div class="LongTextDisplay_content-wrapper">%s</div></div><span data-role="explainer" data-test="%s"></span></dt>
<dd><div><div><div class="popover-base"><span>%s</span></div></div></div></dd></div></div>
`, label, test, value)
	}
	item("Market cap", "icon-market-cap-explainer", cmcAbbrev(mcap, "$"))
	item("Volume (24h)", "icon-volume-explainer", cmcAbbrev(vol, "$"))
	item("FDV", "icon-fully-diluted-mcap-explainer", cmcAbbrev(mcap, "$"))
	item("Total supply", "icon-total-supply-explainer", cmcAbbrev(t.supplyF, "")+" "+e(t.Symbol))
	item("Max. supply", "icon-max-supply-explainer", cmcAbbrev(t.supplyF, "")+" "+e(t.Symbol))
	item("Circulating supply", "icon-circulating-supply-explainer", cmcAbbrev(t.supplyF, "")+" "+e(t.Symbol))
	item("Holders", "icon-holders-explainer", commaInt(int64(holders)))
	item("Liquidity", "icon-liquidity-explainer", cmcAbbrev(liq, "$"))
	item("Launch date", "icon-launch-date-explainer", time.Unix(t.launch, 0).UTC().Format("Jan 2, 2006"))
	fmt.Fprintf(&b, `</dl></div>
</div>
<div class="coin-info-links">
<div data-test="section-coin-stats-contracts"><div>Contracts</div><div><a href="https://etherscan.io/token/%s" data-test="chip-contract-address"><span>Ethereum: %s</span></a></div></div>
<div data-test="section-coin-stats-website"><div>Website</div><div><a rel="nofollow noopener noreferrer" href="%s" target="_blank" data-test="chip-website-link"><span data-role="chip-content">Website</span></a></div></div>
<div data-test="section-coin-stats-socials"><div>Socials</div><div><a rel="nofollow noopener noreferrer" href="https://x.com/%s" target="_blank" data-test="chip-social-link"></a><a rel="nofollow noopener noreferrer" href="https://t.me/%s_portal" target="_blank" data-test="chip-social-link"></a></div></div>
<div data-test="section-coin-stats-explorers"><div>Explorers</div><div><a rel="nofollow noopener noreferrer" href="https://etherscan.io/token/%s" target="_blank" data-test="chip-explorer-link"><span data-role="chip-content">etherscan.io</span></a></div></div>
</div>
</div>
</div></div>
</body>
</html>
`, ChecksumAddress(t.Address), ChecksumAddress(t.Address), e(t.Website), e(t.Symbol), strings.ToLower(t.Symbol), ChecksumAddress(t.Address))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, b.String())
}

// cmcUSD formats a price as CoinMarketCap does: $62,987.39, $0.00001234.
func cmcUSD(v float64) string {
	if v >= 1 {
		whole := int64(v)
		cents := int64(math.Round((v - float64(whole)) * 100))
		if cents == 100 {
			whole, cents = whole+1, 0
		}
		return fmt.Sprintf("$%s.%02d", commaInt(whole), cents)
	}
	return "$" + sig(v, 4)
}

// cmcAbbrev formats large values as $1.26T, $20.53B, 20.05M.
func cmcAbbrev(v float64, prefix string) string {
	switch a := math.Abs(v); {
	case a >= 1e12:
		return prefix + strconv.FormatFloat(v/1e12, 'f', 2, 64) + "T"
	case a >= 1e9:
		return prefix + strconv.FormatFloat(v/1e9, 'f', 2, 64) + "B"
	case a >= 1e6:
		return prefix + strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case a >= 1e3:
		return prefix + strconv.FormatFloat(v/1e3, 'f', 2, 64) + "K"
	}
	return prefix + strconv.FormatFloat(v, 'f', 2, 64)
}
