package clean

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/sim"
)

// A CoinMarketCap coin page without its Next.js data falls back to the
// statistics the page renders (what source/scrape's selectors check):
// the real page with the script removed gives the displayed figures.
func TestCoinMarketCapRenderedStatistics(t *testing.T) {
	b, err := os.ReadFile(sample(t, "html", "coinmarketcap_currencies_bitcoin.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := regexp.MustCompile(`(?s)<script id="__NEXT_DATA__".*?</script>`).ReplaceAllString(string(b), "")
	if strings.Contains(page, "__NEXT_DATA__") {
		t.Fatal("script not removed")
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	rows, err := Parse(context.Background(), Input{Source: "scrape.coinmarketcap", Key: "k", Body: strings.NewReader(page), FetchedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	f := rowsOf[canonical.Fundamentals](rows)
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "fundamentals", len(f), 1)
	wantCount(t, "quotes", len(q), 1)
	eq(t, "token (symbol)", f[0].Token, "BTC")
	eqF(t, "market cap", f[0].MarketCap, 1.26e12)
	eqF(t, "fdv", f[0].FDV, 1.32e12)
	eqF(t, "total supply", f[0].TotalSupply, 20.05e6)
	eqF(t, "circulating", f[0].CirculatingSupply, 20.05e6)
	eqF(t, "price", q[0].Price, 62987.39)
	eqF(t, "volume", q[0].Volume24h, 20.53e9)
	eq(t, "fetched at", q[0].FetchedAt, at)
}

// The simulator's pages (rendered statistics only) parse, attached to the
// watchlist token whose contract the page lists.
func TestCoinMarketCapSimulatorPage(t *testing.T) {
	s := sim.New(sim.Options{Seed: 1, Tokens: 2})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	wl := s.WatchlistAt(srv.URL)
	tok := wl[1]
	resp, err := srv.Client().Get(tok.Pages[sim.PageSite])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rows, err := Parse(context.Background(), Input{Source: "scrape.coinmarketcap", Key: "k", Body: strings.NewReader(string(body)),
		FetchedAt: time.Now().UTC(), Token: &tok, Watchlist: wl})
	if err != nil {
		t.Fatal(err)
	}
	f := rowsOf[canonical.Fundamentals](rows)
	wantCount(t, "fundamentals", len(f), 1)
	if f[0].Token != tok.Key() || f[0].MarketCap == nil || *f[0].MarketCap <= 0 || f[0].HoldersCount == nil || f[0].LaunchedAt == nil ||
		f[0].Website == "" || !strings.HasPrefix(f[0].Twitter, "https://x.com/") || !strings.HasPrefix(f[0].Telegram, "https://t.me/") || f[0].LiquidityUSD == nil {
		t.Errorf("fundamentals %+v", f[0])
	}
	// The page of another token is refused for this one.
	other := wl[0]
	_, err = Parse(context.Background(), Input{Source: "scrape.coinmarketcap", Key: "k", Body: strings.NewReader(string(body)),
		FetchedAt: time.Now().UTC(), Token: &other, Watchlist: wl})
	if err == nil || !strings.Contains(err.Error(), "does not list the token's contract") {
		t.Errorf("other token's page: %v", err)
	}
}
