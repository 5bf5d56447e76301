package clean

import (
	"bytes"
	"context"
	"os"
	"testing"

	"memepipe/canonical"
	"memepipe/internal/shareddata"
	"memepipe/watchlist"
)

// fuzzParse feeds mutated bodies to one parser: it must never panic, and
// must return rows or an error, never both; every row must render.
func fuzzParse(f *testing.F, source string, base Input, seedFiles [][]string, seedBodies ...string) {
	for _, p := range seedFiles {
		data, err := os.ReadFile(shareddata.Path(f, append([]string{"api-samples"}, p...)...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, b := range seedBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in := base
		in.Source, in.Key, in.FetchedAt = source, "fuzz", fetched
		in.Body = bytes.NewReader(body)
		rows, err := Parse(context.Background(), in)
		if err != nil {
			if rows != nil {
				t.Fatalf("rows and an error: %v", err)
			}
			if _, ok := AsParseError(err); !ok {
				if _, ok := AsUpstream(err); !ok {
					t.Fatalf("error is neither a ParseError nor an UpstreamError: %v", err)
				}
			}
			return
		}
		for _, r := range rows {
			if _, err := canonical.MarshalLine(r); err != nil {
				t.Fatalf("row does not render: %v", err)
			}
		}
	})
}

func FuzzParseEtherscanTokenTx(f *testing.F) {
	fuzzParse(f, "etherscan.tokentx", Input{}, [][]string{
		{"etherscan", "rotki", "tokentx_ok_1466b.json"},
		{"etherscan", "rotki", "tokentx_ok_gnosis_spam_1369b.json"},
		{"etherscan", "rotki", "tokentx_no_transactions.json"},
		{"etherscan", "docs-samples", "error_max_rate_limit_docs_sample.json"},
	})
}

func FuzzParseEtherscanTxList(f *testing.F) {
	fuzzParse(f, "etherscan.txlist", Input{}, [][]string{
		{"etherscan", "rotki", "txlist_ok_18628b.json"},
		{"etherscan", "0x-monorepo", "api_v1_accounts_transactions.json"},
		{"etherscan", "rotki", "txlist_notok_free_api_chain_56.json"},
	})
}

func FuzzParseEtherscanGetLogs(f *testing.F) {
	fuzzParse(f, "etherscan.getlogs", Input{Token: pepeToken}, nil, pairLogsBody(),
		`{"status":"0","message":"No records found","result":[]}`)
}

func FuzzParseEtherscanGetSourceCode(f *testing.F) {
	fuzzParse(f, "etherscan.getsourcecode", Input{URL: "https://api.etherscan.io/v2/api?chainid=1&address=0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"},
		[][]string{
			{"etherscan", "ape-etherscan", "get_contract_response_not_verified.json"},
			{"etherscan", "ape-etherscan", "get_contract_response_json.json"},
		},
		`{"status":"1","message":"OK","result":[{"SourceCode":"{{\"language\":\"Solidity\",\"sources\":{\"a.sol\":{\"content\":\"contract A {}\"}}}}","ABI":"[]","ContractName":"A","CompilerVersion":"v0.8.9","OptimizationUsed":"1","Runs":"200","Proxy":"1","Implementation":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}]}`)
}

func FuzzParseTwitterSearch(f *testing.F) {
	fuzzParse(f, "twitter.search", Input{Token: &pepeEth, Watchlist: twoPepes}, [][]string{
		{"twitter", "docs_example_search_recent_with_includes_users_tweets.json"},
		{"twitter", "tweepy_search_recent_tweets.json"},
	}, `{"data":[{"id":"1790000000000000002","text":"$pepe CA 0x25d887ce7a35172c62febfd67a1856f20faebb00 &amp; $WIF","author_id":"9"}],"includes":{"users":[{"id":"9","created_at":"2024-05-01T00:00:00.000Z","public_metrics":{"followers_count":42}}]},"meta":{"result_count":1}}`)
}

func FuzzParseYahooChart(f *testing.F) {
	fuzzParse(f, "yahoo.chart", Input{}, [][]string{
		{"yahoo", "bodies", "chart-BTC-USD-2020-01-01-to-2020-01-03.json"},
		{"yahoo", "bodies", "chart-AAPL.json"},
	}, chartWithNullsAndEvents)
}

func FuzzParseYahooQuoteSummary(f *testing.F) {
	fuzzParse(f, "yahoo.quotesummary", Input{URL: "https://x/v10/finance/quoteSummary/AAPL"}, [][]string{
		{"yahoo", "bodies", "quoteSummary-price-BTC-USD.json"},
		{"yahoo", "bodies", "quoteSummary-majorHoldersBreakdown-AAPL.json"},
		{"yahoo", "bodies", "quoteSummary-majorHoldersBreakdown-BTC-USD.json"},
	})
}

func FuzzParseYahooQuote(f *testing.F) {
	fuzzParse(f, "yahoo.quote", Input{}, [][]string{{"yahoo", "bodies", "quote-BTC-USD.json"}})
}

func FuzzParseCoinGeckoCoin(f *testing.F) {
	fuzzParse(f, "coingecko.coin", Input{Token: &watchlist.Token{Symbol: "USDC", Chain: "ethereum", Address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", Decimals: 6}},
		[][]string{{"coingecko", "jkorf", "GetAssetDetailsFromContract.json"}},
		`{"id":"x","symbol":"x","platforms":{"ethereum":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"},"market_data":{"current_price":{"usd":1.5},"market_cap":{"usd":10}},"genesis_date":"2021-01-02"}`)
}

func FuzzParseCoinGeckoMarketChart(f *testing.F) {
	fuzzParse(f, "coingecko.market_chart", Input{Token: &watchlist.Token{Symbol: "ETH"}}, [][]string{{"coingecko", "jkorf", "GetMarketChart.json"}})
}

func FuzzParseDexScreenerPairs(f *testing.F) {
	fuzzParse(f, "dexscreener.pairs", Input{}, [][]string{{"dexscreener", "dexscreener_pairs_babydojo_injective.json"}})
}

// cmcSeedListing and cmcSeedCoin are small pages in CoinMarketCap's shapes
// (the real saved pages are megabytes; fuzzing mutates small inputs far
// faster).
const cmcSeedListing = `<html><body><table class="cmc-table"><tbody>
<tr><td></td><td><p>1</p></td><td><a href="/currencies/bonk1/"><p class="coin-item-name">Bonk</p><p class="coin-item-symbol">BONK</p></a></td>
<td><span>$0.0<sub class="number-value">5</sub>4014</span></td><td>0.19%</td><td>1.73%</td><td>16.95%</td><td><span>$353.25M</span></td><td><span>$26.86M</span></td>
<td><div class="circulating-supply-value"><span>87.99T</span> BONK</div></td><td></td></tr>
<tr><td></td><td></td><td><a href="/currencies/polygon/"><span class="crypto-symbol">POL</span></a></td><td>$0.08</td><td colspan="100"></td></tr>
</tbody></table></body></html>`

const cmcSeedCoin = `<html><head></head><body><script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"detailRes":{"detail":{"id":1,"name":"Bitcoin","symbol":"BTC","slug":"bitcoin","statistics":{"price":63024.5,"marketCap":1264001619574.36,"fullyDilutedMarketCap":1323514917399.17,"circulatingSupply":20055712,"totalSupply":20055712},"volume":20533551470.97,"dateLaunched":"2010-07-13T00:00:00.000Z","latestUpdateTime":"2026-07-13T11:15:00.000Z","urls":{"website":["https://bitcoin.org/"],"chat":["https://t.me/x"]},"holders":{"holderCount":50708169},"platforms":[]}}}}}</script></body></html>`

func FuzzParseScrapeCoinMarketCap(f *testing.F) {
	fuzzParse(f, "scrape.coinmarketcap", Input{}, nil, cmcSeedListing, cmcSeedCoin)
}

func TestCMCSeedPagesParse(t *testing.T) {
	// The fuzz seeds are valid pages: they must parse to the rows the real
	// pages give for the same coins.
	rows, err := parseBody(t, Input{Source: "scrape.coinmarketcap"}, cmcSeedListing)
	if err != nil || len(rows) != 1 {
		t.Fatalf("listing seed: %d rows, %v", len(rows), err)
	}
	eqF(t, "seed BONK price", rows[0].(canonical.Quote).Price, 0.000004014)
	rows, err = parseBody(t, Input{Source: "scrape.coinmarketcap"}, cmcSeedCoin)
	if err != nil || len(rows) != 2 {
		t.Fatalf("coin seed: %d rows, %v", len(rows), err)
	}
	eq(t, "seed telegram", rows[0].(canonical.Fundamentals).Telegram, "https://t.me/x")
}
