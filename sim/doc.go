// Package sim is a local stand-in for every upstream API memepipe collects
// from: one loopback HTTP server speaking the real wire formats of X (Twitter)
// API v2, Yahoo Finance, Etherscan, DexScreener and a CoinMarketCap-like
// fundamentals page, over a seeded synthetic meme-coin market with injected
// manipulation events whose ground truth it can print. `memepipe run --demo`,
// the collector tests and the benchmarks run against it.
//
// # URL layout
//
// One server; each source's base_url is the server URL plus a prefix, and
// below the prefix the paths are the real API's (URLs gives them in the
// form the config takes):
//
//	<server>/twitter/2/tweets/search/recent          X API v2 recent search (Bearer auth)
//	<server>/yahoo/fc                                 cookie endpoint (stands in for https://fc.yahoo.com)
//	<server>/yahoo/v1/test/getcrumb                   crumb for the cookie
//	<server>/yahoo/v8/finance/chart/{ticker}          chart bars
//	<server>/yahoo/v10/finance/quoteSummary/{ticker}  quote modules (cookie + crumb)
//	<server>/etherscan/api                            Etherscan V1 form (?module=&action=&apikey=)
//	<server>/etherscan/v2/api                         Etherscan V2 form (?chainid=1&module=...)
//	<server>/dexscreener/latest/dex/pairs/{chain}/{pairs}
//	<server>/pages/currencies/{slug}/                 fundamentals page per token (CoinMarketCap-like HTML)
//	<server>/robots.txt, <server>/pages/robots.txt    robots rules for the pages
//	<server>/sim/truth, <server>/sim/watchlist        the ground truth and the watchlist as JSON (not an upstream API)
//
// # The synthetic market
//
// Everything is a function of Options.Seed and of the hour the Sim was built
// in: the market window is the 30 days before Options.Now() (at New, truncated
// to the hour) plus a week after it, so a long-running server keeps producing
// data. Requests only ever see data older than the current Now().
//
// Each token has an ERC-20 contract, a Uniswap V2 pair against WETH, a creator
// wallet and a few team wallets, all derived from the seed. Organic trading is
// a stream of positions: a fresh wallet buys through the router, and later
// sells some or all of what it bought (or gives part of it away), so that
// replaying transfers never drives a balance negative; reserves follow the
// exact Uniswap V2 integer formula (0.3% fee), so Sync, Swap and Transfer
// amounts agree to the wei. A per-token hourly skeleton (reserves, OHLC,
// scheduled sells) is computed once, lazily; the rows of one token-hour
// (transfers, logs, transactions, tweets) are regenerated on demand from
// (seed, token, hour, skeleton[hour]) and kept in a bounded LRU cache.
//
// Injected events (see Truth): pump-and-dumps (a promotional tweet burst from
// fresh accounts, then coordinated buys from fresh wallets within 2-3 blocks,
// FOMO, and the same wallets dumping within two hours), rug pulls (the creator
// removing most of the pair's liquidity, or dumping the supply it kept), whale
// transfers from team wallets, wash-trading loops A->B->A, bot-driven tweet
// bursts, and honeypot-like tokens (only the owner ever sells; their verified
// source has a blacklist, an owner-only sell gate, an unbounded fee setter and
// mint). Half of each kind falls in the last 24 hours, so the demo sees them.
//
// # Wire-format notes the parsers must know
//
//   - Etherscan returns numbers as decimal strings, except logs/getLogs, whose
//     numbers are hex strings and whose zero logIndex / transactionIndex are
//     the bare "0x", as the real API does.
//   - tokentx, txlist and getLogs return at most 1,000 rows per call (the free
//     tier since 2026-07), even when offset asks for more; page*offset > 10000
//     answers "Result window is too large".
//   - A missing apikey is served at 1 call per 5 s with the message
//     "OK-Missing/Invalid API Key, rate limit of 1/5sec applied"; an apikey
//     containing "invalid" (any case) gets the permanent "Invalid API Key".
//   - Yahoo chart arrays carry occasional nulls (the whole bar at that
//     timestamp); quoteSummary answers 401 "Invalid Crumb" without a valid
//     cookie + crumb, and 404 "No fundamentals data found" for the holder
//     modules of crypto tickers.
//   - X recent search returns newest first; a page with no tweets is
//     {"meta":{"result_count":0}}.
//
// # Faults
//
// With Options.Faults = r, each request independently (seeded) gets, with
// probability r, one of: 500, 502 with an HTML page, 503 with Retry-After,
// a response delayed by Options.SlowDelay (then valid), a body truncated
// half-way under a full Content-Length, or an HTML page with status 200 where
// JSON was expected. Faults never change the market: a retry is valid with
// probability 1-r and then byte-identical to an unfaulted answer.
package sim
