package clean

import (
	"testing"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

func TestCoinGeckoCoin(t *testing.T) {
	rows := parseFile(t, "coingecko.coin", sample(t, "coingecko", "jkorf", "GetAssetDetails.json"), FileOptions{})
	f := rowsOf[canonical.Fundamentals](rows)
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "fundamentals", len(f), 1)
	wantCount(t, "quotes", len(q), 1)
	eq(t, "token (no platform: symbol)", f[0].Token, "BTC")
	eqF(t, "market cap", f[0].MarketCap, 1373546629363)
	eqF(t, "fdv", f[0].FDV, 1465975550097)
	eqF(t, "total supply", f[0].TotalSupply, 21000000)
	eqF(t, "circulating", f[0].CirculatingSupply, 19675962)
	eq(t, "website (first non-empty homepage)", f[0].Website, "http://www.bitcoin.org")
	eq(t, "twitter", f[0].Twitter, "https://twitter.com/bitcoin")
	eq(t, "telegram (empty id)", f[0].Telegram, "")
	eq(t, "launched (genesis)", *f[0].LaunchedAt, mustTime("2009-01-03T00:00:00Z"))
	eqF(t, "price", q[0].Price, 69840)
	eqF(t, "volume", q[0].Volume24h, 18867210007)
	eq(t, "market time", *q[0].MarketTime, mustTime("2024-04-07T15:24:51.021Z"))

	path := sample(t, "coingecko", "jkorf", "GetAssetDetailsFromContract.json")
	rows = parseFile(t, "coingecko.coin", path, FileOptions{})
	f = rowsOf[canonical.Fundamentals](rows)
	eq(t, "contract coin token", f[0].Token, "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
	eqF(t, "USDC total supply", f[0].TotalSupply, 32937454819.1184)
	eq(t, "USDC launched", f[0].LaunchedAt == nil, true)

	// The USDC coin asked for with the wrong token: refused, not attached.
	wrong := &watchlist.Token{Symbol: "USDC", Chain: "ethereum", Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", Decimals: 6}
	err := parseFileErr(t, "coingecko.coin", path, FileOptions{Token: wrong})
	wantClass(t, err, pipeline.ClassPermanent, "$.platforms.ethereum", "not the token's")
	right := &watchlist.Token{Symbol: "USDC", Chain: "ethereum", Address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", Decimals: 6}
	rows = parseFile(t, "coingecko.coin", path, FileOptions{Token: right})
	eq(t, "context token", rowsOf[canonical.Quote](rows)[0].Token, right.Key())

	_, err = parseBody(t, Input{Source: "coingecko.coin"}, `{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}`)
	wantClass(t, err, pipeline.ClassTransient, "Rate Limit")
	_, err = parseBody(t, Input{Source: "coingecko.coin"}, `{"error":"coin not found"}`)
	wantClass(t, err, pipeline.ClassPermanent, "coin not found")
}

func TestCoinGeckoMarketChart(t *testing.T) {
	path := sample(t, "coingecko", "jkorf", "GetMarketChart.json")
	rows := parseFile(t, "coingecko.market_chart", path, FileOptions{URL: "https://api.coingecko.com/api/v3/coins/ethereum/market_chart/range?vs_currency=usd&from=1711843200&to=1711983682"})
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "points", len(q), 3)
	eq(t, "token from URL", q[0].Token, "ETHEREUM")
	eq(t, "first ts", q[0].FetchedAt, mustTime("2024-03-31T00:00:00Z"))
	eqF(t, "first price", q[0].Price, 69702.3087473573)
	eqF(t, "first mcap", q[0].MarketCap, 1370247487960.09)
	eqF(t, "first volume", q[0].Volume24h, 16408802301.8374)
	eq(t, "last ts", q[2].FetchedAt, mustTime("2024-04-01T15:01:22Z"))
	eqF(t, "last price", q[2].Price, 68887.7495158568)

	tok := &watchlist.Token{Symbol: "ETH", Chain: "ethereum"}
	rows = parseFile(t, "coingecko.market_chart", path, FileOptions{Token: tok})
	eq(t, "context token", rowsOf[canonical.Quote](rows)[0].Token, "ETH")

	err := parseFileErr(t, "coingecko.market_chart", path, FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "names no coin")
}

func TestDexScreenerPairs(t *testing.T) {
	rows := parseFile(t, "dexscreener.pairs", sample(t, "dexscreener", "dexscreener_pairs_babydojo_injective.json"), FileOptions{})
	f := rowsOf[canonical.Fundamentals](rows)
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "fundamentals", len(f), 1)
	wantCount(t, "quotes", len(q), 1)
	eq(t, "token", f[0].Token, "injective:inj19dtllzcquads0hu3ykda9m58llupksqwekkfnw")
	eqF(t, "liquidity summed over 2 pairs", f[0].LiquidityUSD, 879883.95)
	eq(t, "launched (earliest pair)", *f[0].LaunchedAt, mustTime("2024-03-11T13:18:26Z"))
	eq(t, "website", f[0].Website, "https://baby.dojo.trading/")
	eq(t, "twitter", f[0].Twitter, "https://twitter.com/Dojo_Swap")
	eq(t, "telegram", f[0].Telegram, "https://t.me/dojo_swap")
	eqF(t, "price (most liquid pair)", q[0].Price, 0.004531)
	eqF(t, "volume summed", q[0].Volume24h, 250890.57)

	path := sample(t, "dexscreener", "dexscreener_pairs_avalanche_cheemsx_luna.json")
	rows = parseFile(t, "dexscreener.pairs", path, FileOptions{})
	f = rowsOf[canonical.Fundamentals](rows)
	eq(t, "first base token", f[0].Token, "avalanche:0x120ad3e5a7c796349e591f1570d9f7980f4ea9cb")
	eqF(t, "LUNA fdv (most liquid pair)", f[0].FDV, 746623.72)
	eqF(t, "LUNA liquidity (6 pairs)", f[0].LiquidityUSD, 32922.51850453734)

	// With the watched token, only its own pairs count.
	luna := &watchlist.Token{Symbol: "LUNA", Chain: "avalanche", Address: "0x120AD3e5A7c796349e591F1570D9f7980F4eA9cb", Decimals: 6}
	rows = parseFile(t, "dexscreener.pairs", path, FileOptions{Token: luna})
	wantCount(t, "LUNA rows", len(rows), 2)
	eq(t, "LUNA key", rows[0].(canonical.Fundamentals).Token, luna.Key())
	eqF(t, "LUNA price", rowsOf[canonical.Quote](rows)[0].Price, 0.0001675)
}

func TestCoinMarketCapPages(t *testing.T) {
	rows := parseFile(t, "scrape.coinmarketcap", sample(t, "html", "coinmarketcap_currencies_bitcoin.html"), FileOptions{})
	f := rowsOf[canonical.Fundamentals](rows)
	q := rowsOf[canonical.Quote](rows)
	wantCount(t, "fundamentals", len(f), 1)
	wantCount(t, "quotes", len(q), 1)
	eq(t, "token", f[0].Token, "BTC")
	eqF(t, "market cap", f[0].MarketCap, 1264001619574.36)
	eqF(t, "fdv", f[0].FDV, 1323514917399.17)
	eqF(t, "circulating", f[0].CirculatingSupply, 20055712)
	eq(t, "holders", *f[0].HoldersCount, int64(50708169))
	eq(t, "website", f[0].Website, "https://bitcoin.org/")
	eq(t, "launched", *f[0].LaunchedAt, mustTime("2010-07-13T00:00:00Z"))
	eqF(t, "price", q[0].Price, 63024.51987615112)
	eqF(t, "volume", q[0].Volume24h, 20533551470.97166)

	rows = parseFile(t, "scrape.coinmarketcap", sample(t, "html", "coinmarketcap_homepage_listing.html"), FileOptions{})
	q = rowsOf[canonical.Quote](rows)
	wantCount(t, "listing quotes (rendered rows)", len(q), 32)
	eq(t, "first row", q[0].Token, "CMC20")
	eq(t, "second row", q[1].Token, "BTC")
	eqF(t, "BTC price", q[1].Price, 63975.13)
	eqF(t, "BTC market cap ($1.28T)", q[1].MarketCap, 1.28e12)
	eqF(t, "BTC circulating (20.05M)", q[1].CirculatingSupply, 20.05e6)
	var bonk *canonical.Quote
	for i := range q {
		if q[i].Token == "BONK" {
			bonk = &q[i]
		}
	}
	if bonk == nil {
		t.Fatal("BONK row missing")
	}
	// "$0.0₅4014": five zeros after the point.
	eqF(t, "BONK price", bonk.Price, 0.000004014)
	eq(t, "last row", q[31].Token, "STX")

	// With a watchlist, rows map by the token's configured page slug.
	doge := watchlist.Token{Symbol: "DOGE", Chain: "dogecoin", Pages: map[string]string{"coinmarketcap": "https://coinmarketcap.com/currencies/dogecoin/"}}
	rows = parseFile(t, "scrape.coinmarketcap", sample(t, "html", "coinmarketcap_homepage_listing.html"), FileOptions{Watchlist: watchlist.List{doge}})
	q = rowsOf[canonical.Quote](rows)
	wantCount(t, "watchlist rows", len(q), 1)
	eq(t, "DOGE token", q[0].Token, "DOGE")
	eqF(t, "DOGE price", q[0].Price, 0.07317)

	err := parseFileErr(t, "scrape.coinmarketcap", sample(t, "html", "cryptopia_coin_info_table_2018.html"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "scrape.coinmarketcap", "cryptopia_coin_info_table_2018.html", "page layout changed")
}

func TestRegistryCoversIssueSources(t *testing.T) {
	for _, s := range []string{"twitter.search", "yahoo.chart", "yahoo.quotesummary", "etherscan.tokentx", "etherscan.txlist",
		"etherscan.getlogs", "etherscan.getsourcecode", "coingecko.coin", "coingecko.market_chart", "dexscreener.pairs", "scrape.coinmarketcap"} {
		if p, ok := ParserFor(s); !ok || p.Source() != s {
			t.Errorf("no parser for %s", s)
		}
	}
	if _, err := Parse(t.Context(), Input{Source: "nope"}); err == nil {
		t.Error("Parse accepted an unknown source")
	}
}
