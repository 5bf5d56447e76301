package etherscan

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/sha3"

	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/source/sourcetest"
	"memepipe/watchlist"
)

const apiKey = "CANARYKEY7Q2W9E4R1T6Y"

var (
	pepe = watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933",
		Decimals: 18, Pair: "0xA43fe16908251ee70EF74718545e4FE6C5cCEc9f"}
	// One hour: blocks b0+300 .. b0+599 on the fake chain.
	iv       = pipeline.Interval{Start: c0.Add(time.Hour), End: c0.Add(2 * time.Hour)}
	ivFrom   = b0 + 300
	ivTo     = b0 + 599
	sampleTx = []string{"etherscan", "rotki", "tokentx_ok_1466b.json"}
)

type fixture struct {
	api   *fakeAPI
	c     *Collector
	zone  *raw.Zone
	marks *sourcetest.Watermarks
	logs  *sourcetest.Logs
	clock *httpx.FakeClock
}

func newFixture(t *testing.T, cfg func(*Config)) *fixture {
	t.Helper()
	api := newFakeAPI(t)
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	f := &fixture{api: api, zone: sourcetest.MemZone(t), marks: sourcetest.NewWatermarks(), logs: &sourcetest.Logs{},
		clock: httpx.NewFakeClock(c0.Add(3 * time.Hour))}
	c := DefaultConfig()
	c.BaseURL = hs.URL + "/v2/api"
	c.HTTP.Retry.Attempts = 3
	if cfg != nil {
		cfg(&c)
	}
	col, err := New(c, apiKey, source.Deps{Zone: f.zone, Watermarks: f.marks, HTTPClient: hs.Client(), Clock: f.clock, Logger: f.logs.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	f.c = col
	return f
}

func (f *fixture) assertClean(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		sourcetest.AssertNoSecret(t, apiKey, "error", err.Error())
	}
	sourcetest.AssertNoSecret(t, apiKey, "logs", f.logs.String())
	sourcetest.AssertNoSecret(t, apiKey, "watermarks", f.marks.Dump())
	sourcetest.AssertZoneClean(t, f.zone, apiKey)
}

// TestTopicsAreKeccakOfEventSignatures proves the topic0 constants.
func TestTopicsAreKeccakOfEventSignatures(t *testing.T) {
	for sig, want := range map[string]string{
		"Swap(address,uint256,uint256,uint256,uint256,address)": TopicSwap,
		"Mint(address,uint256,uint256)":                         TopicMint,
		"Burn(address,uint256,uint256,address)":                 TopicBurn,
		"Sync(uint112,uint112)":                                 TopicSync,
		"Transfer(address,address,uint256)":                     "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
	} {
		h := sha3.NewLegacyKeccak256()
		h.Write([]byte(sig))
		if got := "0x" + hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("keccak256(%s) = %s, constant says %s", sig, got, want)
		}
	}
}

func TestCollectReplaysRealSamples(t *testing.T) {
	f := newFixture(t, nil)
	real := sourcetest.Sample(t, sampleTx...)
	f.api.fault = func(i int, q url.Values) *reply {
		if q.Get("action") == "tokentx" {
			// The real two-row page, rows re-dated into the interval.
			body := strings.ReplaceAll(strings.ReplaceAll(string(real), `"14051455"`, fmt.Sprintf(`"%d"`, ivFrom+5)), `"14051483"`, fmt.Sprintf(`"%d"`, ivFrom+33))
			return &reply{body: []byte(body)}
		}
		return nil
	}
	f.api.addLog(TopicSwap, ivFrom+10, 3)
	f.api.addLog(TopicSwap, ivFrom+10, 7)
	f.api.addLog(TopicSync, ivFrom+10, 2)
	st, err := f.c.Collect(context.Background(), pepe, iv)
	if err != nil {
		t.Fatal(err)
	}
	// 2 block lookups + 1 tokentx page + 4 getLogs (one per event) + source.
	if st.Requests != 8 || st.Records != 2+1+1+2+1+1 {
		t.Fatalf("stats = %+v", st)
	}
	bl := f.api.callsOf("getblocknobytime")
	if len(bl) != 2 || bl[0].Get("closest") != "after" || bl[0].Get("timestamp") != fmt.Sprint(iv.Start.Unix()) ||
		bl[1].Get("closest") != "before" || bl[1].Get("timestamp") != fmt.Sprint(iv.End.Unix()-1) {
		t.Fatalf("block lookups = %v", bl)
	}
	tx := f.api.callsOf("tokentx")[0]
	for k, v := range map[string]string{"chainid": "1", "contractaddress": pepe.Address, "startblock": fmt.Sprint(ivFrom),
		"endblock": fmt.Sprint(ivTo), "page": "1", "offset": "1000", "sort": "asc", "apikey": apiKey} {
		if tx.Get(k) != v {
			t.Errorf("tokentx %s = %q, want %q", k, tx.Get(k), v)
		}
	}
	logs := f.api.callsOf("getLogs")
	if len(logs) != 4 || logs[0].Get("topic0") != TopicSwap || logs[0].Get("address") != pepe.Pair || logs[0].Get("fromBlock") != fmt.Sprint(ivFrom) {
		t.Fatalf("getLogs calls = %v", logs)
	}
	// Mint and Burn both answered the same "No records found" body: one
	// object holds both, as the raw zone stores a token-interval's identical
	// pages once.
	for src, n := range map[string]int{SourceBlockByTime: 2, SourceTokenTx: 1, SourceGetLogs: 3, SourceSourceCode: 1} {
		keys, _ := f.zone.Keys(context.Background(), raw.Filter{Source: src, Interval: iv, Token: pepe.Key()})
		if len(keys) != n {
			t.Errorf("%s: %d raw objects, want %d: %v", src, len(keys), n, keys)
		}
	}
	// Watermarks: last complete block for each walk.
	if f.marks.Get(SourceTokenTx, pepe.Key()) != fmt.Sprint(ivTo) ||
		f.marks.Get(SourceGetLogs, pepe.Key()+"/"+strings.ToLower(pepe.Pair)+"/swap") != fmt.Sprint(ivTo) {
		t.Fatalf("watermarks: %s", f.marks.Dump())
	}
	// The missing-key warning in the real getsourcecode sample is surfaced once.
	if strings.Count(f.logs.String(), "API key missing or invalid") != 1 {
		t.Fatalf("no key warning in logs")
	}
	f.assertClean(t, nil)
}

// TestWindowSplitting fills more than one query window: with pages of 100
// rows and a window of 1,000, 2,550 transfers need three queries, each
// starting at the last block the previous one reached.
func TestWindowSplitting(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PageSize, c.MaxRecordsPerCall, c.Window, c.Events = 100, 100, 1000, nil })
	f.api.window = 1000
	f.api.addTransfers(ivFrom, ivFrom+254, 10) // 2,550 rows, 10 per block
	st, err := f.c.Collect(context.Background(), watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe.Address}, iv)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.api.callsOf("tokentx")
	var starts []string
	seen := map[string]bool{}
	for _, q := range calls {
		if q.Get("page") == "1" {
			starts = append(starts, q.Get("startblock"))
		}
		if p := q.Get("page"); p > "9" && len(p) > 1 {
			t.Fatalf("asked page %s past the window", p)
		}
	}
	// 1st query: blocks ivFrom.. (rows 0-999 end in block ivFrom+99), the 2nd
	// starts at ivFrom+99 (read again), the 3rd at ivFrom+198.
	want := []string{fmt.Sprint(ivFrom), fmt.Sprint(ivFrom + 99), fmt.Sprint(ivFrom + 198)}
	if strings.Join(starts, ",") != strings.Join(want, ",") {
		t.Fatalf("query start blocks = %v, want %v", starts, want)
	}
	// Every transfer was served in some kept page.
	for _, k := range st.RawKeys {
		obj, _ := f.zone.Get(context.Background(), k)
		var page struct{ Result []struct{ Hash string } }
		json.Unmarshal(obj.Body, &page)
		for _, r := range page.Result {
			if obj.Source == SourceTokenTx {
				seen[r.Hash] = true
			}
		}
	}
	if len(seen) != 2550 {
		t.Fatalf("%d of 2550 transfers collected", len(seen))
	}
	// The watermark advanced as each window completed.
	wantSets := []string{fmt.Sprint(ivFrom + 98), fmt.Sprint(ivFrom + 197), fmt.Sprint(ivTo)}
	var sets []string
	for _, s := range f.marks.Sets {
		if strings.HasPrefix(s, SourceTokenTx+"/") {
			sets = append(sets, s[strings.LastIndex(s, "=")+1:])
		}
	}
	if strings.Join(sets, ",") != strings.Join(wantSets, ",") {
		t.Fatalf("watermark writes = %v, want %v", sets, wantSets)
	}
}

// With the free tier's cap, a page never asks for more than 1,000 rows even
// if configured larger: a capped page with a bigger offset would skip rows.
func TestPerCallCap(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PageSize, c.Events = 5000, nil })
	f.api.addTransfers(ivFrom, ivFrom+149, 10) // 1,500 rows
	st, err := f.c.Collect(context.Background(), watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe.Address}, iv)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.api.callsOf("tokentx")
	if len(calls) != 2 || calls[0].Get("offset") != "1000" || calls[1].Get("page") != "2" {
		t.Fatalf("calls = %v", calls)
	}
	if st.Records != 2+1500+1 {
		t.Fatalf("records = %d", st.Records)
	}
}

func TestWatermarkResumeAndSkip(t *testing.T) {
	tok := watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe.Address}
	f := newFixture(t, func(c *Config) { c.Events = nil })
	f.api.addTransfers(ivFrom, ivTo, 1)
	ctx := context.Background()
	// A crashed earlier attempt got through block ivFrom+120.
	f.marks.SetWatermark(ctx, SourceTokenTx, tok.Key(), fmt.Sprint(ivFrom+120))
	if _, err := f.c.Collect(ctx, tok, iv); err != nil {
		t.Fatal(err)
	}
	if got := f.api.callsOf("tokentx")[0].Get("startblock"); got != fmt.Sprint(ivFrom+120) {
		t.Fatalf("resumed at %s, want %d (one-block overlap)", got, ivFrom+120)
	}
	// Complete: a re-run asks nothing more.
	st, err := f.c.Collect(ctx, tok, iv)
	if err != nil || len(f.api.callsOf("tokentx")) != 1 || !strings.Contains(strings.Join(st.Notes, ";"), "already collected") {
		t.Fatalf("re-run: err=%v calls=%d notes=%v", err, len(f.api.callsOf("tokentx")), st.Notes)
	}
	// A backfill of an older interval ignores a newer watermark.
	older := pipeline.Interval{Start: iv.Start.Add(-time.Hour), End: iv.Start}
	if _, err := f.c.Collect(ctx, tok, older); err != nil {
		t.Fatal(err)
	}
	if got := f.api.callsOf("tokentx")[1].Get("startblock"); got != fmt.Sprint(b0) {
		t.Fatalf("backfill started at %s, want %d", got, b0)
	}
	// Block lookups are remembered: the interval's two were asked once.
	if n := len(f.api.callsOf("getblocknobytime")); n != 4 {
		t.Fatalf("%d block lookups, want 4", n)
	}
	// The source code was fetched once: within source_refresh it is not asked again.
	if n := len(f.api.callsOf("getsourcecode")); n != 1 {
		t.Fatalf("getsourcecode asked %d times", n)
	}
}

func TestLaunchBlockAndEmpty(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Events = []string{"burn"} })
	tok := pepe
	tok.LaunchBlock = ivFrom + 50
	st, err := f.c.Collect(context.Background(), tok, iv)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.api.callsOf("tokentx")[0].Get("startblock"); got != fmt.Sprint(ivFrom+50) {
		t.Fatalf("startblock = %s", got)
	}
	// "No transactions found" / "No records found": success, zero rows, still kept.
	if st.Records != 2+0+0+1 || st.RawNew != 5 || f.marks.Get(SourceTokenTx, tok.Key()) != fmt.Sprint(ivTo) {
		t.Fatalf("stats = %+v marks %s", st, f.marks.Dump())
	}
}

func TestSourceCodeKeptOnlyWhenChanged(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Events = nil; c.SourceRefresh = time.Hour })
	tok := watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe.Address}
	ctx := context.Background()
	count := func() int {
		keys, _ := f.zone.Keys(ctx, raw.Filter{Source: SourceSourceCode})
		return len(keys)
	}
	next := iv
	run := func() {
		t.Helper()
		if _, err := f.c.Collect(ctx, tok, next); err != nil {
			t.Fatal(err)
		}
		next = pipeline.Interval{Start: next.End, End: next.End.Add(time.Hour)}
		f.clock.Advance(2 * time.Hour)
	}
	run()
	run() // refreshed, same bytes: not kept again
	if n := len(f.api.callsOf("getsourcecode")); n != 2 || count() != 1 {
		t.Fatalf("calls=%d objects=%d", n, count())
	}
	f.api.source = sourcetest.Sample(t, "etherscan", "ape-etherscan", "get_contract_response_not_verified.json")
	run()
	if count() != 2 {
		t.Fatalf("changed source not kept: %d objects", count())
	}
}

func TestErrorKinds(t *testing.T) {
	rate := sourcetest.Sample(t, "etherscan", "docs-samples", "error_max_rate_limit_docs_sample.json")
	busy := sourcetest.Sample(t, "etherscan", "rotki", "proxy_notok_temporarily_unavailable.json")
	chain := sourcetest.Sample(t, "etherscan", "rotki", "txlist_notok_free_api_chain_56.json")
	badKey := []byte(`{"status":"0","message":"NOTOK","result":"Invalid API Key (#err2)|` + apiKey + `"}`)
	html := []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>")
	truncated := sourcetest.Sample(t, sampleTx...)[:700]
	cases := []struct {
		name      string
		first     reply
		recovers  bool
		permanent bool
		minSleep  time.Duration
		inErr     []string
	}{
		{"Max rate limit reached", reply{body: rate}, true, false, time.Second, nil},
		{"temporarily unavailable", reply{body: busy}, true, false, 500 * time.Millisecond, nil},
		{"5xx", reply{status: 502, body: html}, true, false, 500 * time.Millisecond, nil},
		{"HTML page with 200", reply{body: html}, true, false, 500 * time.Millisecond, nil},
		{"truncated JSON", reply{body: truncated}, true, false, 500 * time.Millisecond, nil},
		{"Invalid API Key", reply{body: badKey}, false, true, 0, []string{"etherscan.tokentx", "Invalid API Key", "apikey=REDACTED"}},
		{"chain not on free tier", reply{body: chain}, false, true, 0, []string{"not supported for this chain"}},
		{"missing field", reply{body: []byte(`{"status":"1","message":"OK","result":[{"blockNumber":"19000310"}]}`)}, false, true, 0, []string{`missing field "hash"`, "raw _rejected/etherscan.tokentx/"}},
		{"401", reply{status: 401, body: []byte("Unauthorized")}, false, true, 0, []string{"HTTP 401"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.Events = nil })
			f.api.addTransfers(ivFrom, ivFrom+3, 2)
			f.api.fault = func(n int, q url.Values) *reply {
				if q.Get("action") == "tokentx" && n == 1 {
					return &c.first
				}
				return nil
			}
			tok := watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe.Address}
			st, err := f.c.Collect(context.Background(), tok, iv)
			f.assertClean(t, err)
			if c.recovers {
				if err != nil {
					t.Fatal(err)
				}
				if st.Records != 2+8+1 || len(f.api.callsOf("tokentx")) != 2 {
					t.Fatalf("stats = %+v", st)
				}
				var slept time.Duration
				for _, d := range f.clock.Sleeps() {
					slept += d
				}
				if slept < c.minSleep {
					t.Fatalf("slept %s before retrying, want at least %s", slept, c.minSleep)
				}
				return
			}
			if err == nil || pipeline.IsPermanent(err) != c.permanent || len(f.api.callsOf("tokentx")) != 1 {
				t.Fatalf("err = %v (permanent=%v), calls=%d", err, pipeline.IsPermanent(err), len(f.api.callsOf("tokentx")))
			}
			for _, w := range c.inErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			var be *httpx.BodyError
			if errors.As(err, &be) {
				if _, gerr := f.zone.Get(context.Background(), be.RawKey); gerr != nil {
					t.Fatalf("bad page not kept: %v", gerr)
				}
			}
		})
	}
}

func TestBlockTooFullToPage(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PageSize, c.MaxRecordsPerCall, c.Window, c.Events = 10, 10, 20, nil })
	f.api.window = 20
	f.api.addTransfers(ivFrom, ivFrom, 25)
	_, err := f.c.Collect(context.Background(), watchlist.Token{Symbol: "X", Chain: "ethereum", Address: pepe.Address}, iv)
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "alone holds more than 20 rows") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownChainIsPermanent(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.c.Collect(context.Background(), watchlist.Token{Symbol: "X", Chain: "dogechain", Address: pepe.Address}, iv)
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "dogechain") || len(f.api.calls) != 0 {
		t.Fatalf("err = %v", err)
	}
}

func TestClassifyRealBodies(t *testing.T) {
	cases := map[string]httpx.Outcome{
		"rotki/tokentx_no_transactions.json":                    httpx.Empty,
		"rotki/txlist_no_transactions.json":                     httpx.Empty,
		"rotki/getcontractcreation_no_data_found.json":          httpx.Empty,
		"rotki/tokentx_ok_1466b.json":                           httpx.OK,
		"rotki/proxy_notok_temporarily_unavailable.json":        httpx.Transient,
		"rotki/txlist_notok_free_api_chain_56.json":             httpx.Permanent,
		"docs-samples/error_max_rate_limit_docs_sample.json":    httpx.Transient,
		"ape-etherscan/get_contract_response_not_verified.json": httpx.OK,
	}
	for name, want := range cases {
		v := Classify(200, nil, sourcetest.Sample(t, append([]string{"etherscan"}, strings.Split(name, "/")...)...))
		if v.Outcome != want {
			t.Errorf("%s: %s (%s), want %s", name, v.Outcome, v.Reason, want)
		}
	}
	if v := Classify(200, nil, []byte("<html>")); v.Outcome != httpx.Undecided {
		t.Errorf("HTML: %s", v.Outcome)
	}
}
