package clean

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"memepipe/canonical"
)

func init() { Register(coinMarketCapParser{}) }

// coinMarketCapParser scrapes saved CoinMarketCap pages:
//   - a coin page (/currencies/{slug}/): the Next.js page data in
//     <script id="__NEXT_DATA__"> (props.pageProps.detailRes.detail) gives
//     exact statistics, links, launch date and holder count: fundamentals
//     and a quote;
//   - the listing (home page): the rendered table.cmc-table rows give one
//     quote per coin. Its figures are as displayed: prices exact to the
//     shown digits (including the "$0.0₅4014" subscript-zero notation
//     used for cheap meme coins), market caps and volumes abbreviated
//     ("$1.28T", three significant digits). Rows rendered lazily as
//     placeholders carry only a rounded price and are skipped.
type coinMarketCapParser struct{}

func (coinMarketCapParser) Source() string { return "scrape.coinmarketcap" }

func (coinMarketCapParser) Parse(ctx context.Context, in Input, emit Emit) error {
	doc, err := goquery.NewDocumentFromReader(in.Body)
	if err != nil {
		return in.errAt("html", err)
	}
	if in.FetchedAt.IsZero() {
		return in.errAtf("html", "fetched_at is unknown (snapshot rows are keyed by it): give the raw object's metadata")
	}
	if script := doc.Find(`script#__NEXT_DATA__`); script.Length() > 0 {
		var next struct {
			Props struct {
				PageProps struct {
					DetailRes *struct {
						Detail *cmcDetail `json:"detail"`
					} `json:"detailRes"`
				} `json:"pageProps"`
			} `json:"props"`
		}
		if err := json.Unmarshal([]byte(script.First().Text()), &next); err != nil {
			return in.errAtf("script#__NEXT_DATA__", "page data is not JSON: %v", err)
		}
		if dr := next.Props.PageProps.DetailRes; dr != nil && dr.Detail != nil {
			return in.cmcCoinPage(dr.Detail, emit)
		}
	}
	// The statistics CoinMarketCap renders into the page (dt/dd pairs), the
	// same ones source/scrape's selectors check at collection time: pages
	// without the Next.js data (a layout change, the simulator's pages).
	if stats := cmcRenderedStats(doc); len(stats) > 0 {
		return in.cmcRenderedPage(doc, stats, emit)
	}
	table := doc.Find("table.cmc-table")
	if table.Length() == 0 {
		return in.errAtf("html", "neither a coin page (__NEXT_DATA__ detailRes or dt/dd statistics) nor a listing (table.cmc-table): page layout changed, or an error/captcha page")
	}
	return in.cmcListing(ctx, table.First(), emit)
}

type cmcDetail struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Symbol     string `json:"symbol"`
	Slug       string `json:"slug"`
	Statistics *struct {
		Price                 *float64 `json:"price"`
		MarketCap             *float64 `json:"marketCap"`
		FullyDilutedMarketCap *float64 `json:"fullyDilutedMarketCap"`
		CirculatingSupply     *float64 `json:"circulatingSupply"`
		TotalSupply           *float64 `json:"totalSupply"`
	} `json:"statistics"`
	Volume           *float64            `json:"volume"`
	DateLaunched     string              `json:"dateLaunched"`
	DateAdded        string              `json:"dateAdded"`
	LatestUpdateTime string              `json:"latestUpdateTime"`
	URLs             map[string][]string `json:"urls"`
	Holders          *struct {
		HolderCount *int64 `json:"holderCount"`
	} `json:"holders"`
	Platforms []struct {
		ContractAddress  string `json:"contractAddress"`
		ContractPlatform string `json:"contractPlatform"`
		ContractChainID  int64  `json:"contractChainId"`
	} `json:"platforms"`
}

func (in Input) cmcCoinPage(d *cmcDetail, emit Emit) error {
	const base = "script#__NEXT_DATA__ $.props.pageProps.detailRes.detail"
	if d.Statistics == nil {
		return in.errAtf(base+".statistics", "missing")
	}
	token, err := in.cmcToken(base, d)
	if err != nil {
		return err
	}
	at := in.FetchedAt.UTC()
	st := d.Statistics
	f := canonical.Fundamentals{
		Token: token, Source: in.Source, FetchedAt: at,
		MarketCap: st.MarketCap, FDV: st.FullyDilutedMarketCap,
		CirculatingSupply: st.CirculatingSupply, TotalSupply: st.TotalSupply,
		Website: firstURL(d.URLs["website"]), Twitter: firstURL(d.URLs["twitter"]),
	}
	for _, u := range d.URLs["chat"] {
		if strings.Contains(u, "t.me/") || strings.Contains(u, "telegram") {
			f.Telegram = u
			break
		}
	}
	if d.Holders != nil {
		f.HoldersCount = d.Holders.HolderCount
	}
	for _, s := range []string{d.DateLaunched, d.DateAdded} {
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return in.errAtf(base+".dateLaunched", "%q is not a time", clip(s, 40))
		}
		f.LaunchedAt = canonical.Time(t)
		break
	}
	if err := emit(f); err != nil {
		return err
	}
	if st.Price == nil {
		return nil
	}
	q := canonical.Quote{
		Token: token, Source: in.Source, FetchedAt: at, Price: st.Price, MarketCap: st.MarketCap,
		Volume24h: d.Volume, CirculatingSupply: st.CirculatingSupply, Currency: "USD",
	}
	if t, err := time.Parse(time.RFC3339Nano, d.LatestUpdateTime); err == nil {
		q.MarketTime = canonical.Time(t)
	}
	return emit(q)
}

func firstURL(us []string) string {
	for _, u := range us {
		if strings.TrimSpace(u) != "" {
			return strings.TrimSpace(u)
		}
	}
	return ""
}

// cmcToken: the context token (whose contract, when the page lists
// platforms, must be among them), else a watchlist token whose
// coinmarketcap page is this slug, else the page's own contract on a known
// chain, else the symbol.
func (in Input) cmcToken(base string, d *cmcDetail) (string, error) {
	if t := in.Token; t != nil {
		if t.Address != "" && len(d.Platforms) > 0 {
			for _, p := range d.Platforms {
				if strings.EqualFold(p.ContractAddress, t.Address) {
					return t.Key(), nil
				}
			}
			return "", in.errAtf(base+".platforms", "%s (%s) does not list the token's contract %s", d.Name, d.Slug, t.Address)
		}
		return t.Key(), nil
	}
	if t, ok := in.watchedBySlug(d.Slug); ok {
		return t, nil
	}
	return strings.ToUpper(d.Symbol), nil
}

func (in Input) watchedBySlug(slug string) (string, bool) {
	if slug == "" {
		return "", false
	}
	for _, t := range in.Watchlist {
		if u := t.Pages["coinmarketcap"]; u != "" && strings.Contains(u, "/currencies/"+slug+"/") || strings.HasSuffix(u, "/currencies/"+slug) {
			return t.Key(), true
		}
	}
	return "", false
}

func (in Input) cmcListing(ctx context.Context, table *goquery.Selection, emit Emit) error {
	var err error
	table.Find("tbody tr").EachWithBreak(func(i int, tr *goquery.Selection) bool {
		path := fmt.Sprintf("table.cmc-table tbody tr[%d]", i)
		tds := tr.ChildrenFiltered("td")
		if tr.Find(".coin-item-symbol").Length() == 0 {
			return true // lazy placeholder row: rounded price only
		}
		if tds.Length() < 10 {
			err = in.errAtf(path, "%d cells, want at least 10 (layout changed?)", tds.Length())
			return false
		}
		href, _ := tr.Find(`a[href^="/currencies/"]`).First().Attr("href")
		slug := strings.Trim(strings.TrimPrefix(href, "/currencies/"), "/")
		if i := strings.IndexAny(slug, "/#?"); i >= 0 {
			slug = slug[:i]
		}
		symbol := strings.TrimSpace(tr.Find(".coin-item-symbol").First().Text())
		var token string
		switch {
		case in.Token != nil:
			// Only the context token's own row, matched by its page slug.
			if u := in.Token.Pages["coinmarketcap"]; u == "" || !strings.Contains(u+"/", "/currencies/"+slug+"/") {
				return true
			}
			token = in.Token.Key()
		case len(in.Watchlist) > 0:
			k, ok := in.watchedBySlug(slug)
			if !ok {
				return true
			}
			token = k
		default:
			token = strings.ToUpper(symbol)
		}
		if token == "" {
			return true
		}
		price, perr := cmcNumber(tds.Eq(3))
		if perr != nil {
			err = in.errAtf(path+" td[3]", "price: %v", perr)
			return false
		}
		q := canonical.Quote{Token: token, Source: in.Source, FetchedAt: in.FetchedAt.UTC(), Currency: "USD", Price: &price}
		if v, perr := cmcNumber(tds.Eq(7)); perr == nil {
			q.MarketCap = &v
		}
		if v, perr := cmcNumber(tds.Eq(8)); perr == nil {
			q.Volume24h = &v
		}
		if v, perr := cmcNumber(tds.Eq(9).Find(".circulating-supply-value span").First()); perr == nil {
			q.CirculatingSupply = &v
		}
		if e := emit(q); e != nil {
			err = e
			return false
		}
		return ctx.Err() == nil
	})
	if err != nil {
		return err
	}
	return ctx.Err()
}

// cmcNumber reads a displayed CoinMarketCap figure: "$63,975.13",
// "$1.28T", "20.05M", or "$0.0<sub>5</sub>4014" (five zeros after the
// point, then 4014: 0.000004014).
func cmcNumber(sel *goquery.Selection) (float64, error) {
	if sub := sel.Find("sub"); sub.Length() > 0 {
		zeros, err := strconv.Atoi(strings.TrimSpace(sub.First().Text()))
		if err != nil || zeros < 1 || zeros > 30 {
			return 0, fmt.Errorf("subscript %q is not a zero count", sub.First().Text())
		}
		full := strings.TrimSpace(sel.Text())
		subText := strings.TrimSpace(sub.First().Text())
		i := strings.Index(full, "0.0"+subText)
		if i < 0 {
			return 0, fmt.Errorf("%q is not a subscript-zero price", full)
		}
		digits := strings.TrimSpace(full[i+len("0.0"+subText):])
		return strconv.ParseFloat("0."+strings.Repeat("0", zeros)+digits, 64)
	}
	return parseDisplayed(sel.Text())
}

func parseDisplayed(s string) (float64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	s = strings.ReplaceAll(s, ",", "")
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0] // "20.05M BTC"
	}
	if s == "" || s == "--" {
		return 0, fmt.Errorf("empty")
	}
	mult := 1.0
	switch s[len(s)-1] {
	case 'K':
		mult = 1e3
	case 'M':
		mult = 1e6
	case 'B':
		mult = 1e9
	case 'T':
		mult = 1e12
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v * mult, nil
}
