package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/evm"
	"memepipe/internal/shareddata"
	"memepipe/store"
	"memepipe/watchlist"
)

// sampleRows parses real samples from ../shared/data into canonical rows
// and adds hand-built rows for the tables no sample feeds (pair events,
// corporate actions, tokens): one or more rows of every table.
func sampleRows(t *testing.T) []canonical.Row {
	t.Helper()
	ctx := context.Background()
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doge := watchlist.Token{Symbol: "DOGE", Chain: "ethereum", Address: "0x4206931337dc273a630d328dA6441786BfaD668f", Decimals: 8,
		Pair: "0xA43fe16908251ee70EF74718545e4FE6C5cCEc9f", QuoteSymbol: "WETH", YahooTicker: "DOGE-USD"}
	var rows []canonical.Row
	parse := func(source string, opt clean.FileOptions, elem ...string) {
		t.Helper()
		if opt.FetchedAt.IsZero() {
			opt.FetchedAt = fetched
		}
		rs, err := clean.ParseFile(ctx, source, shareddata.Path(t, append([]string{"api-samples"}, elem...)...), opt)
		if err != nil {
			t.Fatalf("sample %s: %v", strings.Join(elem, "/"), err)
		}
		rows = append(rows, rs...)
	}
	parse("etherscan.tokentx", clean.FileOptions{}, "etherscan", "rotki", "tokentx_ok_1466b.json")
	parse("etherscan.txlist", clean.FileOptions{}, "etherscan", "rotki", "txlist_ok_18628b.json")
	parse("etherscan.txlist", clean.FileOptions{}, "etherscan", "0x-monorepo", "api_v1_accounts_transactions.json")
	parse("etherscan.getsourcecode", clean.FileOptions{URL: "https://api.etherscan.io/v2/api?chainid=1&address=0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"},
		"etherscan", "ape-etherscan", "get_contract_response_flattened.json")
	parse("etherscan.getsourcecode", clean.FileOptions{URL: "https://api.etherscan.io/v2/api?chainid=1&address=0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"},
		"etherscan", "ape-etherscan", "get_contract_response_not_verified.json")
	parse("twitter.search", clean.FileOptions{Token: &doge}, "twitter", "docs_example_search_recent_with_includes_users_tweets.json")
	parse("twitter.search", clean.FileOptions{Token: &doge}, "twitter", "tweepy_search_recent_tweets.json")
	parse("yahoo.chart", clean.FileOptions{}, "yahoo", "bodies", "chart-BTC-USD-2020-01-01-to-2020-01-03.json")
	parse("yahoo.quotesummary", clean.FileOptions{}, "yahoo", "bodies", "quoteSummary-price-BTC-USD.json")
	parse("yahoo.quotesummary", clean.FileOptions{URL: "https://x/v10/finance/quoteSummary/AAPL"}, "yahoo", "bodies", "quoteSummary-majorHoldersBreakdown-AAPL.json")
	parse("coingecko.coin", clean.FileOptions{}, "coingecko", "jkorf", "GetAssetDetailsFromContract.json")
	parse("dexscreener.pairs", clean.FileOptions{}, "dexscreener", "dexscreener_pairs_babydojo_injective.json")

	tok := "ethereum:0x4206931337dc273a630d328da6441786bfad668f"
	at := time.Date(2026, 11, 28, 18, 30, 0, 0, time.UTC)
	rows = append(rows,
		canonical.TokenRow(doge),
		canonical.Swap{Chain: "ethereum", TxHash: "0x" + strings.Repeat("ab", 32), LogIndex: 5, BlockNumber: 101, TxIndex: 1, TS: at,
			PairAddress: doge.Pair, Token: tok, Side: "buy", AmountTokenRaw: "4700000000000", AmountToken: "47000", AmountTokenFloat: 47000,
			AmountQuoteRaw: "100000000000000000", AmountQuote: "0.1", AmountQuoteFloat: 0.1, Price: 0.1 / 47000,
			Sender: "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D", Trader: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
		canonical.LiquidityEvent{Chain: "ethereum", TxHash: "0x" + strings.Repeat("cd", 32), LogIndex: 0, BlockNumber: 100, TS: at.Add(-time.Minute),
			PairAddress: doge.Pair, Token: tok, Kind: "burn", Sender: "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D", ToAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
			AmountTokenRaw: evm.MaxUint256.String(), AmountToken: evm.FormatUnits(evm.MaxUint256, 8), AmountQuoteRaw: "1", AmountQuote: "0.000000000000000001"},
		canonical.PairReserve{Chain: "ethereum", TxHash: "0x" + strings.Repeat("cd", 32), LogIndex: 1, BlockNumber: 100, TS: at.Add(-time.Minute),
			PairAddress: doge.Pair, Token: tok, ReserveTokenRaw: "0", ReserveToken: "0", ReserveQuoteRaw: "2000000000000000000", ReserveQuote: "2", ReserveQuoteFloat: 2},
		canonical.CorporateAction{Token: "AAPL", Kind: "split", TS: time.Date(2020, 8, 31, 13, 30, 0, 0, time.UTC),
			Numerator: canonical.F64(4), Denominator: canonical.F64(1), SplitRatio: "4:1", Source: "yahoo.chart"},
		canonical.CorporateAction{Token: "AAPL", Kind: "dividend", TS: time.Date(2022, 2, 4, 14, 30, 0, 0, time.UTC),
			Amount: canonical.F64(0.22), Currency: "USD", Source: "yahoo.chart"},
	)
	return rows
}

func byTable(rows []canonical.Row) map[string]map[string]canonical.Row {
	out := map[string]map[string]canonical.Row{}
	for _, r := range rows {
		if out[r.Table()] == nil {
			out[r.Table()] = map[string]canonical.Row{}
		}
		out[r.Table()][r.Key()] = r
	}
	return out
}

// readAll reads every canonical table back.
func readAll(t *testing.T, s store.Store) map[string][]canonical.Row {
	t.Helper()
	out := map[string][]canonical.Row{}
	for _, table := range canonical.Tables {
		err := s.ScanCanonical(context.Background(), store.CanonicalQuery{Table: table}, func(r canonical.Row) error {
			out[table] = append(out[table], r)
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
	}
	return out
}

// Every column of every table round-trips exactly: decimals to the last
// digit (uint256 max), floats bit for bit, times in UTC, nulls as nulls.
func testCanonicalRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	rows := sampleRows(t)
	if err := store.UpsertCanonical(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	want := byTable(rows)
	got := readAll(t, s)
	for _, table := range canonical.Tables {
		if len(want[table]) == 0 {
			t.Errorf("no sample rows for %s", table)
		}
		if len(got[table]) != len(want[table]) {
			t.Errorf("%s: read %d rows, wrote %d distinct", table, len(got[table]), len(want[table]))
		}
		for _, r := range got[table] {
			w, ok := want[table][r.Key()]
			if !ok {
				t.Errorf("%s: unexpected row %s", table, r.Key())
				continue
			}
			if !reflect.DeepEqual(r, w) {
				t.Errorf("%s %s:\n read  %+v\n wrote %+v", table, r.Key(), r, w)
			}
		}
	}
	// The widest decimal, exactly.
	le, err := store.ListCanonical[canonical.LiquidityEvent](ctx, s, store.CanonicalQuery{})
	if err != nil || len(le) != 1 || le[0].AmountTokenRaw != evm.MaxUint256.String() ||
		le[0].AmountToken != "1157920892373161954235709850086879078532699846656405640394575840079131.29639935" {
		t.Errorf("uint256 max round trip: %+v %v", le, err)
	}
}

// Writing the same rows again changes nothing; a changed non-key column
// replaces the stored value; digests tell equal tables from unequal ones.
func testCanonicalIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	rows := sampleRows(t)
	if err := store.UpsertCanonical(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, table := range canonical.Tables {
		d, n, err := store.DigestCanonical(ctx, s, table)
		if err != nil || n == 0 {
			t.Fatalf("digest %s: %d rows, %v", table, n, err)
		}
		digests[table] = d
	}
	// Clean again, in another order and split over several writers.
	for i := len(rows) - 1; i >= 0; i -= 7 {
		lo := max(0, i-6)
		if err := store.UpsertCanonical(ctx, s, rows[lo:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range canonical.Tables {
		d, _, err := store.DigestCanonical(ctx, s, table)
		if err != nil {
			t.Fatal(err)
		}
		if d != digests[table] {
			t.Errorf("%s: digest changed after writing the same rows again", table)
		}
	}
	// An update by key.
	var tw canonical.Tweet
	for _, r := range rows {
		if x, ok := r.(canonical.Tweet); ok {
			tw = x
			break
		}
	}
	tw.Likes = canonical.I64(99)
	tw.Text = "edited"
	if err := store.UpsertCanonical(ctx, s, []canonical.Row{tw}); err != nil {
		t.Fatal(err)
	}
	n, err := s.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets})
	if err != nil || n != 14 {
		t.Errorf("tweets after update: %d, %v; want 14", n, err)
	}
	got, err := store.ListCanonical[canonical.Tweet](ctx, s, store.CanonicalQuery{Token: tw.Token})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if g.Key() == tw.Key() && (g.Text != "edited" || g.Likes == nil || *g.Likes != 99) {
			t.Errorf("updated tweet read back as %+v", g)
		}
	}
	if d, _, _ := store.DigestCanonical(ctx, s, canonical.TableTweets); d == digests[canonical.TableTweets] {
		t.Error("digest did not change after an update")
	}
}

// A writer is one transaction: rolled back, nothing lands; within a
// writer a later row with the same key wins.
func testCanonicalAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, err := s.BeginCanonical(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var transfers []canonical.Row
	for i := 0; i < 6000; i++ { // several batches in both dialects
		transfers = append(transfers, transferRow(i, int64(i)))
	}
	if err := w.Write(ctx, transfers...); err != nil {
		t.Fatal(err)
	}
	if err := w.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, transferRow(1, 1)); err == nil {
		t.Error("write after rollback accepted")
	}
	if n, err := s.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers}); err != nil || n != 0 {
		t.Fatalf("after rollback: %d transfers, %v", n, err)
	}

	w, err = s.BeginCanonical(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, transfers...); err != nil {
		t.Fatal(err)
	}
	// The same key again, later in the same writer, with another value.
	if err := w.Write(ctx, transferRow(7, 777)); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Rollback(ctx); err != nil {
		t.Errorf("rollback after commit: %v", err)
	}
	n, err := s.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers})
	if err != nil || n != 6000 {
		t.Fatalf("after commit: %d transfers, %v", n, err)
	}
	got, err := store.ListCanonical[canonical.Transfer](ctx, s, store.CanonicalQuery{Token: "ethereum:0xtoken", Limit: 10})
	if err != nil || len(got) != 10 {
		t.Fatalf("limit 10: %d rows, %v", len(got), err)
	}
	if got[7].ValueRaw != "777" {
		t.Errorf("later duplicate lost: row 7 value_raw %s", got[7].ValueRaw)
	}

	// A row that is not a canonical type is refused before anything lands.
	w, _ = s.BeginCanonical(ctx)
	if err := w.Write(ctx, notARow{}); err == nil {
		t.Error("foreign row type accepted")
	}
	w.Rollback(ctx)
}

type notARow struct{}

func (notARow) Table() string      { return "transfers" }
func (notARow) KeyParts() []string { return []string{"x"} }
func (notARow) Key() string        { return "x" }

func transferRow(i int, value int64) canonical.Transfer {
	return canonical.Transfer{Chain: "ethereum", TxHash: fmt.Sprintf("0x%064x", i/3), LogIndex: int64(i % 3), BlockNumber: int64(1000 + i/3),
		TS: t0.Add(time.Duration(i) * time.Second), TokenAddress: "0xToken", Token: "ethereum:0xtoken",
		FromAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ToAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		ValueRaw: fmt.Sprint(value), Value: fmt.Sprint(value), ValueFloat: float64(value), Source: "etherscan.getlogs"}
}

// Reads select by token, [from, to), bar interval and address, in time
// then key order; counts and latest agree.
func testCanonicalQueries(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.LatestCanonical(ctx, store.CanonicalQuery{Table: canonical.TableSwaps}); err != nil || ok {
		t.Fatalf("latest of an empty table: ok=%v err=%v", ok, err)
	}
	var rows []canonical.Row
	for i := 0; i < 48; i++ {
		for _, tok := range []string{"A", "B"} {
			rows = append(rows, canonical.PriceBar{Token: tok, BarInterval: "1h", TS: t0.Add(time.Duration(i) * time.Hour),
				Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: float64(i), Source: "yahoo.chart"})
		}
		rows = append(rows, canonical.PriceBar{Token: "A", BarInterval: "1d", TS: t0.Add(time.Duration(i) * 24 * time.Hour),
			Open: 1, High: 2, Low: 0.5, Close: 1.5, Source: "yahoo.chart"})
	}
	if err := store.UpsertCanonical(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	q := store.CanonicalQuery{Table: canonical.TablePriceBars, Token: "A", BarInterval: "1h", From: t0.Add(10 * time.Hour), To: t0.Add(20 * time.Hour)}
	bars, err := store.ListCanonical[canonical.PriceBar](ctx, s, q)
	if err != nil || len(bars) != 10 {
		t.Fatalf("A 1h [10h, 20h): %d bars, %v", len(bars), err)
	}
	if !bars[0].TS.Equal(t0.Add(10*time.Hour)) || !bars[9].TS.Equal(t0.Add(19*time.Hour)) || bars[0].Token != "A" {
		t.Errorf("bars %s .. %s", bars[0].TS, bars[9].TS)
	}
	if n, err := s.CountCanonical(ctx, q); err != nil || n != 10 {
		t.Errorf("count = %d, %v", n, err)
	}
	if n, _ := s.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePriceBars, Token: "A"}); n != 96 {
		t.Errorf("A bars = %d, want 96", n)
	}
	latest, ok, err := s.LatestCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePriceBars, Token: "B"})
	if err != nil || !ok || !latest.Equal(t0.Add(47*time.Hour)) || latest.Location() != time.UTC {
		t.Errorf("latest B = %s %v %v", latest, ok, err)
	}

	// Transactions by address (from, to or created contract), EIP-55 or not.
	txs := []canonical.Row{
		canonical.Transaction{Chain: "ethereum", TxHash: "0x01", TS: t0, FromAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ToAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ValueRaw: "0", Value: "0", GasPriceRaw: "1"},
		canonical.Transaction{Chain: "ethereum", TxHash: "0x02", TS: t0.Add(time.Second), FromAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ValueRaw: "0", Value: "0", GasPriceRaw: "1", CreatedContract: "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"},
		canonical.Transaction{Chain: "ethereum", TxHash: "0x03", TS: t0.Add(2 * time.Second), FromAddress: "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", ToAddress: "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", ValueRaw: "0", Value: "0", GasPriceRaw: "1"},
	}
	if err := store.UpsertCanonical(ctx, s, txs); err != nil {
		t.Fatal(err)
	}
	got, err := store.ListCanonical[canonical.Transaction](ctx, s, store.CanonicalQuery{Address: "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"})
	if err != nil || len(got) != 2 || got[0].TxHash != "0x02" || got[1].TxHash != "0x03" {
		t.Errorf("by address: %v %v", got, err)
	}

	// Transfers by address: from or to it (mints are transfers from 0x0).
	zero := "0x0000000000000000000000000000000000000000"
	trs := []canonical.Row{
		canonical.Transfer{Chain: "ethereum", TxHash: "0x11", LogIndex: 0, TS: t0, Token: "ethereum:0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", FromAddress: zero, ToAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ValueRaw: "5", Value: "5"},
		canonical.Transfer{Chain: "ethereum", TxHash: "0x12", LogIndex: 0, TS: t0.Add(time.Second), Token: "ethereum:0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", FromAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ToAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ValueRaw: "1", Value: "1"},
		canonical.Transfer{Chain: "ethereum", TxHash: "0x13", LogIndex: 0, TS: t0.Add(2 * time.Second), Token: "ethereum:0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", FromAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ToAddress: zero, ValueRaw: "1", Value: "1"},
	}
	if err := store.UpsertCanonical(ctx, s, trs); err != nil {
		t.Fatal(err)
	}
	mb, err := store.ListCanonical[canonical.Transfer](ctx, s, store.CanonicalQuery{Token: "ethereum:0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", Address: zero})
	if err != nil || len(mb) != 2 || mb[0].TxHash != "0x11" || mb[1].TxHash != "0x13" {
		t.Errorf("transfers by address: %v %v", mb, err)
	}

	for _, bad := range []store.CanonicalQuery{
		{Table: "nope"},
		{Table: canonical.TableSwaps, Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
		{Table: canonical.TableTokens, From: t0},
		{Table: canonical.TableTransactions, Token: "A"},
		{Table: canonical.TableTweets, BarInterval: "1h"},
		{Table: canonical.TableTransactions, Address: "0x12"},
	} {
		if err := s.ScanCanonical(ctx, bad, func(canonical.Row) error { return nil }); err == nil {
			t.Errorf("query %+v accepted", bad)
		}
	}
	// fn's error stops the scan and comes back.
	stop := errors.New("stop")
	calls := 0
	err = s.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePriceBars}, func(canonical.Row) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("scan stop: %v after %d calls", err, calls)
	}
}

// Free text with NUL bytes and invalid UTF-8 is stored the same way in
// both dialects (U+FFFD), instead of failing the whole object.
func testCanonicalText(t *testing.T, s store.Store) {
	ctx := context.Background()
	tw := canonical.Tweet{TweetID: "1", Token: "T", CreatedAt: t0, Text: "gm\x00 \xff🚀", Cashtags: []string{"PEPE"}}
	if err := store.UpsertCanonical(ctx, s, []canonical.Row{tw}); err != nil {
		t.Fatal(err)
	}
	got, err := store.ListCanonical[canonical.Tweet](ctx, s, store.CanonicalQuery{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if got[0].Text != "gm\uFFFD \uFFFD🚀" || len(got[0].Cashtags) != 1 || got[0].Cashtags[0] != "PEPE" || got[0].CashtagTokens != nil {
		t.Errorf("text round trip: %q %v %v", got[0].Text, got[0].Cashtags, got[0].CashtagTokens)
	}
}
