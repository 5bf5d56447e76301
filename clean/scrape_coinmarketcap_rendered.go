package clean

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"memepipe/canonical"
)

// cmcRenderedStats reads a coin page's rendered statistics: each <dt>
// label ("Market cap", "Total supply", ...) with the first <span> of the
// <dd> that follows it, by lower-case label. Empty when the page has none.
func cmcRenderedStats(doc *goquery.Document) map[string]*goquery.Selection {
	out := map[string]*goquery.Selection{}
	doc.Find("dt").Each(func(_ int, dt *goquery.Selection) {
		label := strings.ToLower(strings.Join(strings.Fields(dt.Text()), " "))
		dd := dt.NextFiltered("dd")
		if label == "" || dd.Length() == 0 {
			return
		}
		v := dd.Find("span").First()
		if v.Length() == 0 {
			v = dd
		}
		if _, dup := out[label]; !dup {
			out[label] = v
		}
	})
	// A page whose dl holds none of the coin statistics is something else.
	for _, k := range []string{"market cap", "total supply", "circulating supply", "fdv", "holders"} {
		if _, ok := out[k]; ok {
			return out
		}
	}
	return nil
}

// cmcRenderedPage turns a coin page's rendered statistics into
// fundamentals and, when the page shows a price, a quote. Figures are as
// displayed (three significant digits for abbreviated ones), which is what
// a reader of the page sees; the Next.js data, when present, is exact and
// preferred (see Parse).
func (in Input) cmcRenderedPage(doc *goquery.Document, stats map[string]*goquery.Selection, emit Emit) error {
	token, err := in.cmcRenderedToken(doc)
	if err != nil {
		return err
	}
	at := in.FetchedAt.UTC()
	f := canonical.Fundamentals{Token: token, Source: in.Source, FetchedAt: at}
	num := func(label string) (*float64, error) {
		sel, ok := stats[label]
		if !ok {
			return nil, nil
		}
		v, err := cmcNumber(sel)
		if err != nil {
			if strings.TrimSpace(sel.Text()) == "--" {
				return nil, nil // CoinMarketCap's "no data"
			}
			return nil, in.errAtf(fmt.Sprintf("dt:contains(%q) + dd", label), "%v", err)
		}
		return &v, nil
	}
	for _, c := range []struct {
		label string
		dst   **float64
	}{
		{"market cap", &f.MarketCap}, {"fdv", &f.FDV}, {"fully diluted market cap", &f.FDV},
		{"circulating supply", &f.CirculatingSupply}, {"total supply", &f.TotalSupply}, {"liquidity", &f.LiquidityUSD},
	} {
		if *c.dst != nil {
			continue
		}
		if *c.dst, err = num(c.label); err != nil {
			return err
		}
	}
	if sel, ok := stats["holders"]; ok {
		s := strings.ReplaceAll(strings.TrimSpace(sel.Text()), ",", "")
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return in.errAtf(`dt:contains("Holders") + dd`, "%q is not a count", clip(s, 40))
		}
		f.HoldersCount = &n
	}
	if sel, ok := stats["launch date"]; ok {
		s := strings.TrimSpace(sel.Text())
		t, perr := time.Parse("Jan 2, 2006", s)
		if perr != nil {
			return in.errAtf(`dt:contains("Launch date") + dd`, "%q is not a date like Jan 2, 2006", clip(s, 40))
		}
		f.LaunchedAt = canonical.Time(t)
	}
	doc.Find(`a[data-test="chip-website-link"]`).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		f.Website, _ = a.Attr("href")
		return f.Website == ""
	})
	doc.Find(`a[data-test="chip-social-link"]`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		switch {
		case f.Twitter == "" && (strings.Contains(href, "//x.com/") || strings.Contains(href, "//twitter.com/")):
			f.Twitter = href
		case f.Telegram == "" && strings.Contains(href, "//t.me/"):
			f.Telegram = href
		}
	})
	if err := emit(f); err != nil {
		return err
	}
	price := doc.Find(`[data-test="text-cdp-price-display"]`).First()
	if price.Length() == 0 {
		return nil
	}
	p, perr := cmcNumber(price)
	if perr != nil {
		return in.errAtf(`[data-test="text-cdp-price-display"]`, "price: %v", perr)
	}
	q := canonical.Quote{Token: token, Source: in.Source, FetchedAt: at, Price: &p, MarketCap: f.MarketCap,
		CirculatingSupply: f.CirculatingSupply, Currency: "USD"}
	if q.Volume24h, err = num("volume (24h)"); err != nil {
		return err
	}
	return emit(q)
}

// cmcRenderedToken: the context token, whose contract must be among the
// page's contract chips when it shows any; else a watchlist token whose
// coinmarketcap page is the page's canonical slug; else the page's symbol.
func (in Input) cmcRenderedToken(doc *goquery.Document) (string, error) {
	if t := in.Token; t != nil {
		chips := doc.Find(`a[data-test="chip-contract-address"]`)
		if t.Address == "" || chips.Length() == 0 {
			return t.Key(), nil
		}
		found := false
		chips.Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			found = found || strings.Contains(strings.ToLower(href+" "+a.Text()), strings.ToLower(t.Address))
		})
		if !found {
			return "", in.errAtf(`a[data-test="chip-contract-address"]`, "the page does not list the token's contract %s", t.Address)
		}
		return t.Key(), nil
	}
	if href, ok := doc.Find(`link[rel="canonical"]`).Attr("href"); ok {
		_, slug, _ := strings.Cut(href, "/currencies/")
		if k, ok := in.watchedBySlug(strings.Trim(slug, "/")); ok {
			return k, nil
		}
	}
	sym := strings.TrimSpace(doc.Find(`[data-role="coin-symbol"]`).First().Text())
	if sym == "" {
		return "", in.errAtf(`[data-role="coin-symbol"]`, "the page names no coin")
	}
	return strings.ToUpper(sym), nil
}
