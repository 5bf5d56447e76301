package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// requestsFor is one request per endpoint over the last day of s.
func requestsFor(s *Sim) []string {
	iv := lastDay(s)
	wl := s.Watchlist()
	sb, eb := utoa(blockAtOrAfter(iv.Start.Unix())), utoa(blockAtOrBefore(iv.End.Unix()))
	var ticker string
	for _, w := range wl {
		if w.YahooTicker != "" {
			ticker = w.YahooTicker
			break
		}
	}
	return []string{
		"/twitter/2/tweets/search/recent?" + q("query", wl[2].SearchQuery(), "max_results", "100", "start_time", iv.Start.Format(time.RFC3339), "end_time", iv.End.Format(time.RFC3339), "tweet.fields", "created_at,author_id,public_metrics,entities,lang", "expansions", "author_id", "user.fields", "public_metrics,created_at,verified"),
		"/etherscan/api?" + q("module", "account", "action", "tokentx", "contractaddress", wl[2].Address, "startblock", sb, "endblock", eb, "page", "1", "offset", "1000", "sort", "asc", "apikey", "K"),
		"/etherscan/v2/api?" + q("chainid", "1", "module", "logs", "action", "getLogs", "address", wl[2].Pair, "fromBlock", sb, "toBlock", eb, "topic0", TopicSwap, "page", "1", "offset", "1000", "apikey", "K"),
		"/etherscan/api?" + q("module", "block", "action", "getblocknobytime", "timestamp", i64toa(iv.Start.Unix()), "closest", "before", "apikey", "K"),
		"/etherscan/api?" + q("module", "contract", "action", "getsourcecode", "address", wl[2].Address, "apikey", "K"),
		"/etherscan/api?" + q("module", "account", "action", "txlist", "address", wl[2].Address, "apikey", "K"),
		"/yahoo/v8/finance/chart/" + ticker + "?" + q("interval", "1h", "period1", i64toa(iv.Start.Unix()), "period2", i64toa(iv.End.Unix())),
		"/dexscreener/latest/dex/pairs/ethereum/" + wl[2].Pair,
		wl[2].Pages[PageSite],
		"/sim/truth",
	}
}

func TestDeterminismSameSeedSameBytes(t *testing.T) {
	a := New(Options{Seed: 42, Tokens: 8, Now: func() time.Time { return fixedNow }})
	b := New(Options{Seed: 42, Tokens: 8, Now: func() time.Time { return fixedNow }})
	c := New(Options{Seed: 43, Tokens: 8, Now: func() time.Time { return fixedNow }})
	for _, path := range requestsFor(a) {
		ra := get(t, a.Handler(), path, "Authorization", "Bearer x")
		rb := get(t, b.Handler(), path, "Authorization", "Bearer x")
		if ra.Code != 200 || len(ra.Body.Bytes()) < 40 {
			t.Fatalf("%s: status %d body %.200s", path, ra.Code, ra.Body)
		}
		if !bytes.Equal(ra.Body.Bytes(), rb.Body.Bytes()) {
			t.Errorf("%s: two sims with seed 42 differ", path)
		}
		// Asking again (now from the cache) gives the same bytes too.
		if again := get(t, a.Handler(), path, "Authorization", "Bearer x"); !bytes.Equal(ra.Body.Bytes(), again.Body.Bytes()) {
			t.Errorf("%s: second answer differs from the first", path)
		}
	}
	if wa, wc := a.Watchlist(), c.Watchlist(); wa[0].Address == wc[0].Address {
		t.Errorf("seeds 42 and 43 made the same token address %s", wa[0].Address)
	}
}

func TestWatchlistIsValidAndChecksummed(t *testing.T) {
	s := sharedSim(t)
	wl := s.Watchlist()
	if len(wl) != DefaultTokens {
		t.Fatalf("%d tokens", len(wl))
	}
	if err := wl.Validate(); err != nil {
		t.Fatal(err)
	}
	yahoo := 0
	for _, w := range wl {
		if w.Chain != "ethereum" || ChecksumAddress(w.Address) != w.Address || ChecksumAddress(w.Pair) != w.Pair || w.QuoteSymbol != "WETH" {
			t.Fatalf("token %+v", w)
		}
		if !strings.HasPrefix(w.Pages[PageSite], "/pages/currencies/") || w.LaunchBlock == 0 {
			t.Fatalf("token %s pages %v launch %d", w.Symbol, w.Pages, w.LaunchBlock)
		}
		if w.YahooTicker != "" {
			yahoo++
		}
	}
	if yahoo == 0 || yahoo > len(wl)/4 {
		t.Fatalf("%d of %d tokens have a Yahoo ticker; only some should", yahoo, len(wl))
	}
}

func TestPaginationTokentxEveryRowOnceAscending(t *testing.T) {
	s := sharedSim(t)
	tk := s.m.tokens[4]
	now := fixedNow.Unix()
	sb, eb := utoa(blockAtOrAfter(now-3*86400)), utoa(blockAtOrBefore(now))
	page := func(p, off int, sort string) []tokentxRow {
		var r wireES[[]tokentxRow]
		strict(t, "page", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "tokentx", "contractaddress", tk.Address, "startblock", sb, "endblock", eb, "page", itoa(p), "offset", itoa(off), "sort", sort, "apikey", "K")).Body.Bytes(), &r)
		return r.Result
	}
	key := func(r tokentxRow) string { return r.Hash + r.From + r.To + r.Value }
	var walked []tokentxRow
	for p := 1; ; p++ {
		rows := page(p, 100, "asc")
		walked = append(walked, rows...)
		if len(rows) < 100 {
			break
		}
		if p > 100 {
			t.Fatal("no end")
		}
	}
	if len(walked) < 300 || len(walked) > esWindow {
		t.Fatalf("%d rows in 3 days; the test wants several pages and < 10000", len(walked))
	}
	seen := map[string]bool{}
	for i, r := range walked {
		if seen[key(r)] {
			t.Fatalf("row %d served twice: %+v", i, r)
		}
		seen[key(r)] = true
		if i > 0 {
			b0, _ := strconv.Atoi(walked[i-1].BlockNumber)
			b1, _ := strconv.Atoi(r.BlockNumber)
			if b1 < b0 {
				t.Fatalf("row %d: block %d after %d", i, b1, b0)
			}
		}
	}
	// Pages of 1,000 give the same rows; a bigger offset is capped at
	// 1,000 rows per call, as the free tier does.
	var big []tokentxRow
	for p := 1; p <= 10; p++ {
		rows := page(p, 1000, "asc")
		big = append(big, rows...)
		if len(rows) < 1000 {
			break
		}
	}
	if len(big) != len(walked) {
		t.Fatalf("offset 1000 walk: %d rows, offset 100 walk: %d", len(big), len(walked))
	}
	if capped := page(1, 5000, "asc"); len(capped) != min(1000, len(walked)) {
		t.Fatalf("offset 5000 returned %d rows", len(capped))
	}
	desc := page(1, 100, "desc")
	for i := range desc {
		if key(desc[i]) != key(walked[len(walked)-1-i]) {
			t.Fatalf("desc row %d is not asc row %d reversed", i, len(walked)-1-i)
		}
	}
}

func TestPaginationTwitterNextTokenWalk(t *testing.T) {
	s := sharedSim(t)
	var tk *token
	for _, c := range s.m.tokens {
		if c.YahooTicker != "" {
			tk = c
		}
	}
	iv := lastDay(s)
	base := []string{"query", "$" + tk.Symbol + " OR #" + tk.Symbol, "start_time", iv.Start.Format(time.RFC3339), "end_time", iv.End.Format(time.RFC3339), "max_results", "10"}
	var ids []uint64
	next := ""
	for pages := 0; ; pages++ {
		args := base
		if next != "" {
			args = append(append([]string{}, base...), "next_token", next)
		}
		rec := get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q(args...), "Authorization", "Bearer x")
		var r wireXSearch
		strict(t, "page", rec.Body.Bytes(), &r)
		for _, tw := range r.Data {
			id, _ := strconv.ParseUint(tw.ID, 10, 64)
			ids = append(ids, id)
		}
		next = r.Meta.NextToken
		if next == "" {
			break
		}
		if pages > 500 {
			t.Fatal("no end")
		}
	}
	if len(ids) < 30 {
		t.Fatalf("only %d tweets in a day for an established token", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("ids not strictly newest first at %d: %d then %d", i, ids[i-1], ids[i])
		}
	}
	// One page of 100 at a time sees the same tweets.
	total := 0
	next = ""
	for {
		args := append(append([]string{}, base[:6]...), "max_results", "100")
		if next != "" {
			args = append(args, "next_token", next)
		}
		var r wireXSearch
		strict(t, "page100", get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q(args...), "Authorization", "Bearer x").Body.Bytes(), &r)
		total += r.Meta.ResultCount
		if next = r.Meta.NextToken; next == "" {
			break
		}
	}
	if total != len(ids) {
		t.Fatalf("max_results=100 walk saw %d tweets, max_results=10 walk %d", total, len(ids))
	}
	// since_id returns only newer tweets: the first half of the walk.
	mid := ids[len(ids)/2]
	var r wireXSearch
	strict(t, "since", get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q(append(append([]string{}, base[:6]...), "max_results", "10", "since_id", strconv.FormatUint(mid, 10))...), "Authorization", "Bearer x").Body.Bytes(), &r)
	if r.Meta.ResultCount != min(10, len(ids)/2) || r.Data[0].ID != strconv.FormatUint(ids[0], 10) {
		t.Fatalf("since_id: %d tweets from %s, want %d from %d", r.Meta.ResultCount, r.Meta.NewestID, min(10, len(ids)/2), ids[0])
	}
	last := r.Data[len(r.Data)-1].ID
	if n, _ := strconv.ParseUint(last, 10, 64); n <= mid {
		t.Fatalf("since_id %d let %s through", mid, last)
	}
}

func TestTwitterErrorsAreTheRealOnes(t *testing.T) {
	s := New(Options{Seed: 1, Tokens: 3, Now: func() time.Time { return fixedNow }})
	rec := get(t, s.Handler(), "/twitter/2/tweets/search/recent?query=%24X")
	if rec.Code != 401 || strings.TrimSpace(rec.Body.String()) != `{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}` {
		t.Fatalf("no bearer: %d %s", rec.Code, rec.Body)
	}
	rec = get(t, s.Handler(), "/twitter/2/tweets/search/recent?query=%24X&max_results=5", "Authorization", "Bearer x")
	var inv xInvalid
	strict(t, "400", rec.Body.Bytes(), &inv)
	if rec.Code != 400 || inv.Title != "Invalid Request" || inv.Errors[0].Message != "The `max_results` query parameter value [5] is not between 10 and 100" {
		t.Fatalf("max_results=5: %d %s", rec.Code, rec.Body)
	}
	old := fixedNow.Add(-8 * 24 * time.Hour).Format(time.RFC3339)
	rec = get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q("query", "$X", "start_time", old), "Authorization", "Bearer x")
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "'start_time' must be on or after") {
		t.Fatalf("start_time 8 days ago: %d %s", rec.Code, rec.Body)
	}
	rec = get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q("query", "$NOSUCHCOIN"), "Authorization", "Bearer x")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"meta":{"result_count":0}}` {
		t.Fatalf("no match: %s", rec.Body)
	}
}

func TestRateLimitTwitter(t *testing.T) {
	clk := &clock{t: fixedNow}
	s := New(Options{Seed: 1, Tokens: 3, Now: clk.Now, RateLimits: true})
	path := "/twitter/2/tweets/search/recent?" + q("query", "$"+s.m.tokens[0].Symbol)
	start := clk.Now().Unix()
	for i := 1; i <= TwitterWindowLimit; i++ {
		rec := get(t, s.Handler(), path, "Authorization", "Bearer app1")
		if rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
		if rem := rec.Header().Get("x-rate-limit-remaining"); rem != itoa(TwitterWindowLimit-i) {
			t.Fatalf("request %d: remaining %s", i, rem)
		}
		clk.Add(time.Second)
	}
	rec := get(t, s.Handler(), path, "Authorization", "Bearer app1")
	if rec.Code != 429 || strings.TrimSpace(rec.Body.String()) != `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}` {
		t.Fatalf("451st: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("x-rate-limit-limit") != "450" || rec.Header().Get("x-rate-limit-remaining") != "0" || rec.Header().Get("x-rate-limit-reset") != i64toa(start+900) {
		t.Fatalf("429 headers: %v", rec.Header())
	}
	if other := get(t, s.Handler(), path, "Authorization", "Bearer app2"); other.Code != 200 {
		t.Fatalf("another app is limited separately: %d", other.Code)
	}
	clk.t = time.Unix(start+900, 0)
	if rec := get(t, s.Handler(), path, "Authorization", "Bearer app1"); rec.Code != 200 {
		t.Fatalf("after reset: %d", rec.Code)
	}
}

func TestRateLimitEtherscan(t *testing.T) {
	clk := &clock{t: fixedNow}
	s := New(Options{Seed: 1, Tokens: 3, Now: clk.Now, RateLimits: true})
	path := func(key string) string {
		return "/etherscan/api?" + q("module", "block", "action", "getblocknobytime", "timestamp", i64toa(fixedNow.Unix()-3600), "closest", "before", "apikey", key)
	}
	body := func(key string) esResponse {
		var r esResponse
		json.Unmarshal(get(t, s.Handler(), path(key)).Body.Bytes(), &r)
		return r
	}
	for i := 0; i < EtherscanPerSecond; i++ {
		if r := body("K1"); r.Status != "1" || r.Message != "OK" {
			t.Fatalf("call %d: %+v", i, r)
		}
	}
	rec := get(t, s.Handler(), path("K1"))
	var sample, got any
	json.Unmarshal(rec.Body.Bytes(), &got)
	json.Unmarshal([]byte(`{"status":"0","message":"NOTOK","result":"Max rate limit reached"}`), &sample)
	if rec.Code != 200 || !jsonEqual(got, sample) {
		t.Fatalf("4th call in a second: %d %s", rec.Code, rec.Body)
	}
	clk.Add(time.Second)
	if r := body("K1"); r.Status != "1" {
		t.Fatalf("after a second: %+v", r)
	}
	// Without a key: served, slowly, with the real message.
	if r := body(""); r.Status != "1" || r.Message != esMsgKeyless {
		t.Fatalf("keyless: %+v", r)
	}
	json.Unmarshal(get(t, s.Handler(), path("")).Body.Bytes(), &got)
	json.Unmarshal(readSample(t, "etherscan", "docs-samples", "error_max_rate_limit_docs_sample.json"), &sample)
	if !jsonEqual(got, sample) {
		t.Fatalf("keyless second call: %v, want the docs sample %v", got, sample)
	}
	clk.Add(5 * time.Second)
	if r := body(""); r.Status != "1" {
		t.Fatalf("keyless after 5 s: %+v", r)
	}
	if r := body("my-INVALID-key"); r.Status != "0" || r.Result != esInvalidKey {
		t.Fatalf("invalid key: %+v", r)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestRateLimitYahoo(t *testing.T) {
	clk := &clock{t: fixedNow}
	s := New(Options{Seed: 1, Tokens: 8, Now: clk.Now, RateLimits: true})
	var ticker string
	for _, w := range s.Watchlist() {
		if w.YahooTicker != "" {
			ticker = w.YahooTicker
		}
	}
	path := "/yahoo/v8/finance/chart/" + ticker + "?interval=1d&range=5d"
	for i := 0; i < YahooBurst; i++ {
		if rec := get(t, s.Handler(), path); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := get(t, s.Handler(), path)
	if rec.Code != 429 || rec.Body.String() != "Too Many Requests\r\n" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("over the burst: %d %q", rec.Code, rec.Body)
	}
	clk.Add(2 * time.Second)
	if rec := get(t, s.Handler(), path); rec.Code != 200 {
		t.Fatalf("after 2 s: %d", rec.Code)
	}
}

func TestFaultsAtTheGivenRate(t *testing.T) {
	s := New(Options{Seed: 9, Tokens: 3, Faults: 0.3, SlowDelay: time.Millisecond, Now: func() time.Time { return fixedNow }})
	clean := New(Options{Seed: 9, Tokens: 3, Now: func() time.Time { return fixedNow }})
	srv := newServer(t, s)
	path := "/etherscan/api?" + q("module", "contract", "action", "getsourcecode", "address", s.m.tokens[0].Address, "apikey", "K")
	want := get(t, clean.Handler(), path).Body.Bytes()
	const n = 1500
	kinds := map[string]int{}
	faulty := 0
	for i := 0; i < n; i++ {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated read: %v", err)
			}
			kinds["truncated"]++
		case resp.StatusCode >= 500:
			kinds[strconv.Itoa(resp.StatusCode)]++
		case strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"):
			kinds["html"]++
		case bytes.Equal(b, want):
			kinds["ok"]++
			continue
		default:
			t.Fatalf("request %d: a valid-looking answer differs from the clean one: %.200s", i, b)
		}
		faulty++
	}
	// One fault kind in six is "slow", which then answers correctly, so
	// 5/6 of the faults are visible in the body.
	if rate := float64(faulty) / n; rate < 0.25*5/6-0.035 || rate > 0.3*5/6+0.035 {
		t.Fatalf("visible fault rate %.3f, want %.3f (%v)", rate, 0.3*5/6, kinds)
	}
	for _, k := range []string{"truncated", "500", "502", "503", "html"} {
		if kinds[k] < 30 {
			t.Errorf("fault kind %s seen %d times in %d requests", k, kinds[k], n)
		}
	}
}

func TestSlowFaultOutlastsClientTimeout(t *testing.T) {
	s := New(Options{Seed: 1, Tokens: 2, Faults: 1, SlowDelay: 2 * time.Second, Now: func() time.Time { return fixedNow }})
	srv := newServer(t, s)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	timeouts := 0
	for i := 0; i < 60; i++ {
		resp, err := client.Get(srv.URL + "/etherscan/api?module=block&action=getblocknobytime&timestamp=1773100000&apikey=K")
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				timeouts++
			}
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if timeouts == 0 {
		t.Fatal("no slow fault made the client time out")
	}
}

func TestTopicsAndChecksums(t *testing.T) {
	for got, want := range map[string]string{
		TopicTransfer:             "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
		TopicApproval:             "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925",
		TopicSwap:                 "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",
		TopicSync:                 "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1",
		TopicMint:                 "0x4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f",
		TopicBurn:                 "0xdccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496",
		TopicOwnershipTransferred: "0x8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0",
		mTransfer.id:              "0xa9059cbb",
		mBuy.id:                   "0x7ff36ab5",
		mAddLiq.id:                "0xf305d719",
		mRemoveLiq.id:             "0x02751cec",
		mRenounce.id:              "0x715018a6",
		// EIP-55 test vectors.
		ChecksumAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"): "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		ChecksumAddress("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"): "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		ChecksumAddress(addrWETH):                                     "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
		hexQty(0):                                                     "0x",
		hexQty(0xc48174):                                              "0xc48174",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	for _, ts := range []int64{anchorUnix, anchorUnix + 5, anchorUnix + 12, fixedNow.Unix()} {
		b := blockAtOrBefore(ts)
		if blockTime(b) > ts || blockTime(b+1) <= ts || blockTime(blockAtOrAfter(ts)) < ts {
			t.Errorf("block mapping around %d: before %d after %d", ts, b, blockAtOrAfter(ts))
		}
	}
}

func TestSwapAmountsFollowUniswapAndSync(t *testing.T) {
	s := sharedSim(t)
	var tk *token
	for _, c := range s.m.tokens {
		if l := c.labels(); len(l) == 1 && l[0] == "organic" {
			tk = c
			break
		}
	}
	h := s.m.hourOf(fixedNow.Unix()) - 5
	st := s.m.skel(tk).states[h].clone()
	r0, r1 := st.rTok, st.rWeth
	if !tk.token0 {
		r0, r1 = r1, r0
	}
	swaps := 0
	for _, tx := range s.hourTxs(tk, h) {
		var swap, sync *evLog
		for i := range tx.logs {
			switch l := &tx.logs[i]; {
			case l.address == tk.Pair && l.topics[0] == TopicSwap:
				swap = l
			case l.address == tk.Pair && l.topics[0] == TopicSync:
				sync = l
			}
		}
		if swap == nil {
			continue
		}
		swaps++
		w := func(d string, i int) *big.Int { return parseWord(d[2+64*i : 2+64*(i+1)]) }
		in0, in1, out0, out1 := w(swap.data, 0), w(swap.data, 1), w(swap.data, 2), w(swap.data, 3)
		var want *big.Int
		if in0.Sign() > 0 {
			want = amountOut(in0, r0, r1)
			r0 = new(big.Int).Add(r0, in0)
			r1 = new(big.Int).Sub(r1, out1)
			if out1.Cmp(want) != 0 {
				t.Fatalf("swap out %s, getAmountOut says %s", out1, want)
			}
		} else {
			want = amountOut(in1, r1, r0)
			r1 = new(big.Int).Add(r1, in1)
			r0 = new(big.Int).Sub(r0, out0)
			if out0.Cmp(want) != 0 {
				t.Fatalf("swap out %s, getAmountOut says %s", out0, want)
			}
		}
		if w(sync.data, 0).Cmp(r0) != 0 || w(sync.data, 1).Cmp(r1) != 0 {
			t.Fatalf("Sync %s/%s, replayed reserves %s/%s", w(sync.data, 0), w(sync.data, 1), r0, r1)
		}
	}
	if swaps < 3 {
		t.Fatalf("only %d swaps in the hour", swaps)
	}
}

func TestServeBindsLoopbackAndStops(t *testing.T) {
	s := New(Options{Seed: 5, Tokens: 3, Now: func() time.Time { return fixedNow }})
	ctx, cancel := context.WithCancel(context.Background())
	base, err := s.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("base URL %q", base)
	}
	u := URLs(base)
	body := fetch(t, http.DefaultClient, u.DexScreener+"/latest/dex/pairs/ethereum/"+s.Watchlist()[0].Pair, nil, 200)
	if !strings.Contains(string(body), `"schemaVersion":"1.0.0"`) {
		t.Fatalf("%s", body)
	}
	var wl []map[string]any
	if err := json.Unmarshal(fetch(t, http.DefaultClient, base+"/sim/watchlist", nil, 200), &wl); err != nil || len(wl) != 3 {
		t.Fatalf("watchlist: %v %v", err, wl)
	}
	if page := wl[0]["pages"].(map[string]any)[PageSite].(string); !strings.HasPrefix(page, base+"/pages/currencies/") {
		t.Fatalf("watchlist page URL %q is not on the server", page)
	}
	cancel()
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, err := http.Get(base + "/robots.txt"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still answers after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConcurrentRequestsAgree(t *testing.T) {
	s := New(Options{Seed: 11, Tokens: 4, Now: func() time.Time { return fixedNow }})
	ref := New(Options{Seed: 11, Tokens: 4, Now: func() time.Time { return fixedNow }})
	paths := requestsFor(s)
	want := map[string]string{}
	for _, p := range paths {
		want[p] = get(t, ref.Handler(), p, "Authorization", "Bearer x").Body.String()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range paths {
				p := paths[(i+g)%len(paths)]
				if got := get(t, s.Handler(), p, "Authorization", "Bearer x").Body.String(); got != want[p] {
					errs <- p
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for p := range errs {
		t.Errorf("concurrent answer differs: %s", p)
	}
}
