package clean

import (
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

func TestYahooChartSamples(t *testing.T) {
	// Body and recorded fixture give the same bars.
	for _, kind := range []string{"bodies", "fixtures"} {
		rows := parseFile(t, "yahoo.chart", sample(t, "yahoo", kind, "chart-BTC-USD-2020-01-01-to-2020-01-03.json"), FileOptions{})
		bars := rowsOf[canonical.PriceBar](rows)
		wantCount(t, kind+" BTC bars", len(bars), 3)
		f, l := bars[0], bars[2]
		eq(t, "token (ticker, no watchlist)", f.Token, "BTC-USD")
		eq(t, "interval", f.BarInterval, "1d")
		eq(t, "first ts", f.TS, mustTime("2020-01-01T00:00:00Z"))
		eq(t, "first open", f.Open, 7194.89208984375)
		eq(t, "first high", f.High, 7254.33056640625)
		eq(t, "first low", f.Low, 7174.9443359375)
		eq(t, "first close", f.Close, 7200.17431640625)
		eq(t, "first volume", f.Volume, 18565664997.0)
		eqF(t, "first adj_close", f.AdjClose, 7200.17431640625)
		eq(t, "currency", f.Currency, "USD")
		eq(t, "last ts", l.TS, mustTime("2020-01-03T00:00:00Z"))
		eq(t, "last close", l.Close, 7344.88427734375)
		eq(t, "last volume", l.Volume, 28111481032.0)
	}
	// AAPL: the bar's timestamp is the 09:30 New York open, in UTC.
	doge := watchlist.Token{Symbol: "AAPL", YahooTicker: "AAPL"}
	rows := parseFile(t, "yahoo.chart", sample(t, "yahoo", "fixtures", "chart-AAPL.json"), FileOptions{Watchlist: watchlist.List{doge}})
	bars := rowsOf[canonical.PriceBar](rows)
	wantCount(t, "AAPL bars", len(bars), 1)
	eq(t, "AAPL token (watchlist ticker)", bars[0].Token, "AAPL")
	eq(t, "AAPL ts", bars[0].TS, mustTime("2022-02-22T14:30:00Z"))
	eqF(t, "AAPL adj_close", bars[0].AdjClose, 161.6998748779297)
}

const chartWithNullsAndEvents = `{"chart":{"result":[{"meta":{"currency":"USD","symbol":"DOGE-USD","dataGranularity":"1h"},
 "timestamp":[1700000000,1700003600,1700007200,1700010800],
 "events":{"dividends":{"1700003600":{"amount":0.22,"date":1700003600}},
           "splits":{"1700007200":{"date":1700007200,"numerator":4,"denominator":1,"splitRatio":"4:1"}}},
 "indicators":{"quote":[{"open":[0.1,null,0.12,0.13],"high":[0.11,0.2,0.125,0.14],"low":[0.09,0.1,null,0.12],"close":[0.105,0.15,0.121,0.135],"volume":[1000,2000,3000,null]}],
 "adjclose":[{"adjclose":[0.105,0.15,0.121,0.135]}]}}],"error":null}}`

func TestYahooChartDropsNullBarsKeepsEvents(t *testing.T) {
	tok := &watchlist.Token{Symbol: "DOGE", YahooTicker: "DOGE-USD"}
	rows, err := parseBody(t, Input{Source: "yahoo.chart", Token: tok}, chartWithNullsAndEvents)
	if err != nil {
		t.Fatal(err)
	}
	bars := rowsOf[canonical.PriceBar](rows)
	// Bars 2, 3 and 4 each have a null (open, low, volume): dropped, not
	// zero-filled. Only the first survives.
	wantCount(t, "bars", len(bars), 1)
	eq(t, "bar ts", bars[0].TS, time.Unix(1700000000, 0).UTC())
	for _, b := range bars {
		if b.Open == 0 || b.Low == 0 || b.Volume == 0 {
			t.Errorf("zero-filled bar %+v", b)
		}
	}
	acts := rowsOf[canonical.CorporateAction](rows)
	wantCount(t, "corporate actions", len(acts), 2)
	eq(t, "dividend kind", acts[0].Kind, "dividend")
	eqF(t, "dividend amount", acts[0].Amount, 0.22)
	eq(t, "dividend ts", acts[0].TS, time.Unix(1700003600, 0).UTC())
	eq(t, "split kind", acts[1].Kind, "split")
	eq(t, "split ratio", acts[1].SplitRatio, "4:1")
	eqF(t, "split numerator", acts[1].Numerator, 4)
	eq(t, "token", acts[1].Token, "DOGE")
}

func TestYahooChartBadInput(t *testing.T) {
	tok := &watchlist.Token{Symbol: "DOGE", YahooTicker: "DOGE-USD"}
	short := strings.Replace(chartWithNullsAndEvents, `"close":[0.105,0.15,0.121,0.135]`, `"close":[0.105,0.15,0.121]`, 1)
	_, err := parseBody(t, Input{Source: "yahoo.chart", Token: tok}, short)
	wantClass(t, err, pipeline.ClassPermanent, "$.chart.result[0].indicators.quote[0].close", "3 values for 4 timestamps")

	// A body for another ticker than the token's.
	_, err = parseBody(t, Input{Source: "yahoo.chart", Token: &watchlist.Token{Symbol: "SHIB", YahooTicker: "SHIB-USD"}}, chartWithNullsAndEvents)
	wantClass(t, err, pipeline.ClassPermanent, "body is for DOGE-USD")

	_, err = parseBody(t, Input{Source: "yahoo.chart"}, `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`)
	wantClass(t, err, pipeline.ClassPermanent, "symbol may be delisted")
	_, err = parseBody(t, Input{Source: "yahoo.chart"}, `{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}}`)
	wantClass(t, err, pipeline.ClassTransient, "Invalid Crumb")
	_, err = parseBody(t, Input{Source: "yahoo.chart"}, `<html><body>Will be right back</body></html>`)
	wantClass(t, err, pipeline.ClassPermanent, "yahoo.chart", "not JSON")
}

func TestYahooQuoteSummarySamples(t *testing.T) {
	for _, kind := range []string{"bodies", "fixtures"} {
		rows := parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-price-BTC-USD.json"), FileOptions{})
		q := rowsOf[canonical.Quote](rows)
		wantCount(t, kind+" price quotes", len(q), 1)
		eq(t, "token", q[0].Token, "BTC-USD")
		eqF(t, "price", q[0].Price, 96021.96)
		eqF(t, "market cap", q[0].MarketCap, 1903960915968)
		eqF(t, "volume 24h", q[0].Volume24h, 23376617472)
		eqF(t, "circulating", q[0].CirculatingSupply, 19828390)
		eq(t, "market time", *q[0].MarketTime, time.Unix(1740389580, 0).UTC())
		eq(t, "fetched_at", q[0].FetchedAt, fetched)

		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-majorHoldersBreakdown-AAPL.json"),
			FileOptions{URL: "https://query2.finance.yahoo.com/v10/finance/quoteSummary/AAPL?formatted=false&modules=majorHoldersBreakdown"})
		h := rowsOf[canonical.HolderBreakdown](rows)
		wantCount(t, kind+" holder breakdowns", len(h), 1)
		eq(t, "holders token (from URL)", h[0].Token, "AAPL")
		eqF(t, "insiders", h[0].InsidersPct, 0.02286)
		eqF(t, "institutions", h[0].InstitutionsPct, 0.62706)
		eqF(t, "institutions float", h[0].InstitutionsFloatPct, 0.64172995)
		eq(t, "institutions count", *h[0].InstitutionsCount, int64(6956))

		// Crypto holders: HTTP 404 "No fundamentals data found" is empty.
		for _, f := range []string{"quoteSummary-majorHoldersBreakdown-BTC-USD.json", "quoteSummary-institutionOwnership-BTC-USD.json"} {
			rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, f), FileOptions{})
			wantCount(t, f, len(rows), 0)
		}
		// institutionOwnership alone has no canonical table.
		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-institutionOwnership-AAPL.json"), FileOptions{})
		wantCount(t, "institutionOwnership AAPL", len(rows), 0)

		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-summaryDetail-AAPL.json"),
			FileOptions{URL: "https://query2.finance.yahoo.com/v10/finance/quoteSummary/AAPL?formatted=false&modules=summaryDetail"})
		q = rowsOf[canonical.Quote](rows)
		wantCount(t, "summaryDetail AAPL", len(q), 1)
		eqF(t, "AAPL market cap", q[0].MarketCap, 3688676720640)
		eqF(t, "AAPL volume", q[0].Volume24h, 53197431)
		if q[0].Price != nil {
			t.Errorf("summaryDetail has no price, got %v", *q[0].Price)
		}

		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-summaryDetail-BTC-USD.json"), FileOptions{URL: "https://x/v10/finance/quoteSummary/BTC-USD"})
		q = rowsOf[canonical.Quote](rows)
		eqF(t, "BTC summaryDetail circulating", q[0].CirculatingSupply, 19828390)

		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-price-AAPL.json"), FileOptions{})
		q = rowsOf[canonical.Quote](rows)
		eqF(t, "AAPL price", q[0].Price, 245.55)
		eq(t, "AAPL token", q[0].Token, "AAPL")

		rows = parseFile(t, "yahoo.quotesummary", sample(t, "yahoo", kind, "quoteSummary-all-BTC-USD.json"), FileOptions{})
		q = rowsOf[canonical.Quote](rows)
		wantCount(t, "all modules BTC quotes", len(q), 1)
		eqF(t, "all modules price", q[0].Price, 96021.96)
		wantCount(t, "all modules BTC holder rows", len(rowsOf[canonical.HolderBreakdown](rows)), 0)
	}
}

func TestYahooQuote(t *testing.T) {
	// The fixture's response date header is the fetch time.
	rows, err := ParseFile(t.Context(), "yahoo.quote", sample(t, "yahoo", "fixtures", "quote-BTC-USD.json"), FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "quotes", len(q), 1)
	eq(t, "fetched_at from fixture date", q[0].FetchedAt, mustTime("2025-02-17T10:54:52Z"))
	eqF(t, "price", q[0].Price, 96077.45)
	eqF(t, "market cap", q[0].MarketCap, 1904783523840)
	eqF(t, "circulating", q[0].CirculatingSupply, 19825500)

	rows = parseFile(t, "yahoo.quote", sample(t, "yahoo", "bodies", "quote-BTC-USD.json"), FileOptions{})
	eq(t, "body fetched_at (given)", rowsOf[canonical.Quote](rows)[0].FetchedAt, fetched)
}
