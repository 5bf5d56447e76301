package quality

import (
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
)

var (
	now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	iv  = pipeline.Interval{Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour)}
	in  = iv.Start.Add(30 * time.Minute)
)

func goodBar() canonical.PriceBar {
	return canonical.PriceBar{Token: "DOGE", BarInterval: "1h", TS: in, Open: 0.1, High: 0.12, Low: 0.09, Close: 0.11, Volume: 1000}
}

func find(t *testing.T, rs []Result, table, check string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Table == table && r.Check == check {
			return r
		}
	}
	t.Fatalf("no %s/%s result in %+v", table, check, rs)
	return Result{}
}

func TestGoodRowsPass(t *testing.T) {
	rows := []canonical.Row{
		goodBar(),
		canonical.Tweet{TweetID: "1", Token: "DOGE", CreatedAt: in, Text: "gm", Likes: canonical.I64(3)},
		canonical.Swap{Chain: "ethereum", TxHash: "0xab", LogIndex: 1, TS: in, Side: "buy", AmountTokenFloat: 10, AmountQuoteFloat: 1, Price: 0.1},
		canonical.Quote{Token: "DOGE", Source: "yahoo.quote", FetchedAt: now, Price: canonical.F64(0.1)},
	}
	rs := Run(rows, iv, now)
	for _, r := range rs {
		if !r.Passed {
			t.Errorf("%s/%s failed on good rows: %s %v", r.Table, r.Check, r.Message, r.Examples)
		}
	}
	if Failing(rs, Error) || Failing(rs, Warn) {
		t.Error("Failing reports a failure on good rows")
	}
}

// Each check fires on a crafted bad row, with the severity it promises.
func TestEachCheckFires(t *testing.T) {
	bar := func(f func(*canonical.PriceBar)) canonical.Row {
		b := goodBar()
		f(&b)
		return b
	}
	cases := []struct {
		name  string
		rows  []canonical.Row
		table string
		check string
		sev   Severity
		want  string
	}{
		{"empty key column", []canonical.Row{bar(func(b *canonical.PriceBar) { b.Token = "" })},
			"price_bars", CheckKeysNotNull, Error, "empty key column"},
		{"duplicate key", []canonical.Row{goodBar(), goodBar()},
			"price_bars", CheckKeysUnique, Error, "DOGE|1h|"},
		{"zero price", []canonical.Row{bar(func(b *canonical.PriceBar) { b.Low = 0 })},
			"price_bars", CheckPricePositive, Error, "low = 0"},
		{"negative quote price", []canonical.Row{canonical.Quote{Token: "X", Source: "s", FetchedAt: now, Price: canonical.F64(-1)}},
			"quotes", CheckPricePositive, Error, "price = -1"},
		{"high below low", []canonical.Row{bar(func(b *canonical.PriceBar) { b.High, b.Low = 0.08, 0.09 })},
			"price_bars", CheckHighGELow, Error, "high 0.08 < low 0.09"},
		{"close above high", []canonical.Row{bar(func(b *canonical.PriceBar) { b.Close = 0.2 })},
			"price_bars", CheckOHLCInRange, Warn, "close 0.2"},
		{"negative volume", []canonical.Row{bar(func(b *canonical.PriceBar) { b.Volume = -5 })},
			"price_bars", CheckNonNegative, Error, "volume = -5"},
		{"bar before the interval", []canonical.Row{bar(func(b *canonical.PriceBar) { b.TS = iv.Start.Add(-time.Minute) })},
			"price_bars", CheckInInterval, Warn, "not in"},
		{"bar at the interval end (exclusive)", []canonical.Row{bar(func(b *canonical.PriceBar) { b.TS = iv.End })},
			"price_bars", CheckInInterval, Warn, "not in"},
		{"tweet from the future", []canonical.Row{canonical.Tweet{TweetID: "1", Token: "T", Text: "x", CreatedAt: now.Add(time.Hour)}},
			"tweets", CheckNotFuture, Error, "is after"},
		{"snapshot from the future", []canonical.Row{canonical.Fundamentals{Token: "T", Source: "s", FetchedAt: now.Add(10 * time.Minute)}},
			"fundamentals", CheckNotFuture, Error, "is after"},
		{"negative likes", []canonical.Row{canonical.Tweet{TweetID: "1", Token: "T", Text: "x", CreatedAt: in, Likes: canonical.I64(-1)}},
			"tweets", CheckNonNegative, Error, "likes = -1"},
		{"empty tweet", []canonical.Row{canonical.Tweet{TweetID: "1", Token: "T", CreatedAt: in}},
			"tweets", CheckNotEmpty, Warn, "text is empty"},
		{"holder fraction over 1", []canonical.Row{canonical.HolderBreakdown{Token: "T", FetchedAt: now, InsidersPct: canonical.F64(2.3)}},
			"holder_breakdowns", CheckFraction, Error, "insiders_pct = 2.3"},
		{"swap side", []canonical.Row{canonical.Swap{Chain: "e", TxHash: "0x1", TS: in, Side: "hold", AmountTokenFloat: 1, Price: 1, AmountQuoteFloat: 1}},
			"swaps", CheckEnum, Error, `side = "hold"`},
		{"swap zero amount", []canonical.Row{canonical.Swap{Chain: "e", TxHash: "0x1", TS: in, Side: "buy"}},
			"swaps", CheckPricePositive, Error, "amount_token = 0"},
		{"negative transfer", []canonical.Row{canonical.Transfer{Chain: "e", TxHash: "0x1", TS: in, ValueRaw: "-5"}},
			"transfers", CheckNonNegative, Error, `value_raw = "-5"`},
		{"negative market cap", []canonical.Row{canonical.Fundamentals{Token: "T", Source: "s", FetchedAt: now, MarketCap: canonical.F64(-1)}},
			"fundamentals", CheckNonNegative, Error, "market_cap = -1"},
		{"verified contract without hash", []canonical.Row{canonical.Contract{Chain: "e", Address: "0x1", Verified: true, FetchedAt: now}},
			"contracts", CheckNotEmpty, Error, "verified without source_sha256"},
		{"liquidity kind", []canonical.Row{canonical.LiquidityEvent{Chain: "e", TxHash: "0x1", TS: in, Kind: "sync", AmountTokenRaw: "1", AmountQuoteRaw: "1"}},
			"liquidity_events", CheckEnum, Error, `kind = "sync"`},
	}
	for _, c := range cases {
		rs := Run(c.rows, iv, now)
		r := find(t, rs, c.table, c.check)
		if r.Passed || r.Failed == 0 {
			t.Errorf("%s: %s/%s passed", c.name, c.table, c.check)
			continue
		}
		if r.Severity != c.sev {
			t.Errorf("%s: severity %s, want %s", c.name, r.Severity, c.sev)
		}
		if !Failing(rs, c.sev) {
			t.Errorf("%s: Failing(%s) = false", c.name, c.sev)
		}
		if len(r.Examples) == 0 || !strings.Contains(strings.Join(r.Examples, ";"), c.want) {
			t.Errorf("%s: examples %v do not mention %q", c.name, r.Examples, c.want)
		}
	}
}

func TestExamplesCapped(t *testing.T) {
	var rows []canonical.Row
	for i := 0; i < 20; i++ {
		b := goodBar()
		b.Volume = -1
		b.TS = in.Add(time.Duration(i) * time.Second)
		rows = append(rows, b)
	}
	r := find(t, Ranges(rows, iv, now), "price_bars", CheckNonNegative)
	if r.Failed != 20 || r.Checked != 20 || len(r.Examples) != MaxExamples {
		t.Errorf("failed=%d checked=%d examples=%d", r.Failed, r.Checked, len(r.Examples))
	}
	if !strings.HasPrefix(r.Message, "20 of 20 rows fail") {
		t.Errorf("message = %q", r.Message)
	}
}

func TestRowCountDrop(t *testing.T) {
	hist := []int{1000, 1100, 950, 1050}
	if r := RowCountDrop("tweets", 900, hist, 0.5, Warn); !r.Passed {
		t.Errorf("900 against a median of 1025 with 50%% allowed failed: %s", r.Message)
	}
	r := RowCountDrop("tweets", 400, hist, 0.5, Warn)
	if r.Passed || r.Severity != Warn || !strings.Contains(r.Message, "median of the last 4 runs 1025") {
		t.Errorf("400 rows passed or wrong message: %+v", r)
	}
	if r := RowCountDrop("tweets", 0, []int{1000, 1000}, 0.5, Error); !r.Passed {
		t.Error("failed without a baseline")
	}
	if r := RowCountDrop("transfers", 0, []int{10, 12, 11}, 0.9, Error); r.Passed || !Failing([]Result{r}, Error) {
		t.Error("a table that went empty passed")
	}
}

func TestFreshness(t *testing.T) {
	if r := Freshness("price_bars", now.Add(-30*time.Minute), now, time.Hour, Error); !r.Passed {
		t.Errorf("fresh data failed: %s", r.Message)
	}
	r := Freshness("price_bars", now.Add(-3*time.Hour), now, time.Hour, Error)
	if r.Passed || !strings.Contains(r.Message, "3h0m0s old") {
		t.Errorf("stale data: %+v", r)
	}
	if r := Freshness("tweets", time.Time{}, now, time.Hour, Warn); r.Passed || r.Message != "no rows at all" {
		t.Errorf("no data: %+v", r)
	}
}
