package anomaly

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func runTrades(t *testing.T, cfg TradeConfig, trades []Trade) []Anomaly {
	t.Helper()
	d := NewTradeDetector(cfg)
	var evs []Anomaly
	for _, tr := range trades {
		e, err := d.Push(tr)
		if err != nil {
			t.Fatalf("trade %+v: %v", tr, err)
		}
		evs = append(evs, e...)
	}
	return append(evs, d.Flush()...)
}

// quietSwaps: one swap per block every 12 s, alternating buy and sell.
func quietSwaps(from uint64, n int) []Trade {
	var out []Trade
	for i := range n {
		side := Buy
		if i%2 == 1 {
			side = Sell
		}
		out = append(out, Trade{TS: t0.Add(time.Duration(i) * 12 * time.Second), Block: from + uint64(i), Side: side, Price: 1e-6, Amount: 1e6,
			Trader: fmt.Sprintf("0xq%03d", i%40)})
	}
	return out
}

func TestSameBlockBuyBurstIsFlagged(t *testing.T) {
	trades := quietSwaps(1000, 200)
	last := trades[len(trades)-1]
	// Block 1200: twelve buys from twelve wallets in one block.
	for i := range 12 {
		trades = append(trades, Trade{TS: last.TS.Add(12 * time.Second), Block: 1200, TxHash: fmt.Sprintf("0xtx%02d", i), Side: Buy, Price: 1e-6, Amount: 5e6,
			Trader: fmt.Sprintf("0xsniper%02d", i)})
	}
	trades = append(trades, quietSwaps(1201, 20)...)
	for i := 200 + 12; i < len(trades); i++ {
		trades[i].TS = last.TS.Add(time.Duration(i-200) * 12 * time.Second)
	}
	evs := kinds(runTrades(t, TradeConfig{Token: "PEPE"}, trades), KindRushOrders)
	if len(evs) != 1 {
		t.Fatalf("rush_orders events = %d, want 1: %+v", len(evs), evs)
	}
	ev := evs[0].Evidence
	if ev["block"] != int64(1200) || ev["buys"] != 12 || ev["distinct_buyers"] != 12 || ev["first_tx"] != "0xtx00" {
		t.Errorf("evidence %v, want block 1200, 12 buys from 12 buyers, first tx 0xtx00", ev)
	}
	if evs[0].Score < 10 {
		t.Errorf("score %v: 12 buys against a median of 1 should be critical", evs[0].Score)
	}
}

func TestQuietSwapsGiveNoRush(t *testing.T) {
	if evs := runTrades(t, TradeConfig{}, quietSwaps(1, 500)); len(evs) != 0 {
		t.Fatalf("quiet alternating swaps flagged: %+v", evs)
	}
}

func TestExchangeBuyBurstAndImbalance(t *testing.T) {
	var trades []Trade
	// 30 minutes of two trades a minute, balanced.
	for i := range 60 {
		side := Buy
		if i%2 == 1 {
			side = Sell
		}
		trades = append(trades, Trade{TS: t0.Add(time.Duration(i) * 30 * time.Second), Side: side, Price: 0.01, Amount: 100})
	}
	// At 00:45 a pump: 40 market buys within 10 seconds, 8 fresh wallets.
	p := t0.Add(45 * time.Minute)
	for i := range 40 {
		trades = append(trades, Trade{TS: p.Add(time.Duration(i) * 250 * time.Millisecond), Side: Buy, Price: 0.012, Amount: 1000, FreshWallet: i < 8})
	}
	evs := runTrades(t, TradeConfig{}, trades)
	burst := kinds(evs, KindBuyBurst)
	if len(burst) != 1 || burst[0].Evidence["buys"] != 40 {
		t.Fatalf("buy_burst %+v, want one with 40 buys", burst)
	}
	rush := kinds(evs, KindRushOrders)
	// 40 buys 250 ms apart are 4 per second: below the default MinRushBuys 5.
	if len(rush) != 0 {
		t.Errorf("rush_orders %d, want 0 at 4 buys a second", len(rush))
	}
	imb := kinds(evs, KindBuySellImbalance)
	if len(imb) != 1 || imb[0].Evidence["side"] != "buy" || imb[0].Evidence["sells"] != 0 {
		t.Fatalf("imbalance %+v, want one buy-side window with no sells", imb)
	}
	fresh := kinds(evs, KindFreshWalletBuys)
	if len(fresh) != 0 {
		t.Errorf("8 fresh of 40 buys (20%%) should not be flagged: %+v", fresh)
	}
}

func TestFreshWalletBuys(t *testing.T) {
	var trades []Trade
	for i := range 10 {
		trades = append(trades, Trade{TS: t0.Add(time.Duration(i) * time.Second), Side: Buy, Price: 1, Amount: 1, FreshWallet: i != 3})
	}
	fresh := kinds(runTrades(t, TradeConfig{}, trades), KindFreshWalletBuys)
	if len(fresh) != 1 || fresh[0].Evidence["fresh_buys"] != 9 {
		t.Fatalf("fresh_wallet_buys %+v, want one with 9 fresh buys", fresh)
	}
}

func TestTradesCSV(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("ts,side,price,amount\n")
	for i := range 60 {
		side := "buy"
		if i%2 == 1 {
			side = "sell"
		}
		fmt.Fprintf(&sb, "%d,%s,0.01,100\n", t0.Unix()+int64(i)*30, side)
	}
	sb.WriteString("not-a-date,buy,1,1\n")
	sb.WriteString("2024-03-01 00:31:00,hold,1,1\n")
	sb.WriteString("2024-03-01 00:31:00,buy,0,1\n")
	for range 20 {
		fmt.Fprintf(&sb, "%d,buy,0.02,500\n", t0.Unix()+45*60) // 20 buys in one second
	}
	var out strings.Builder
	rep, err := DetectTradesCSV(strings.NewReader(sb.String()), "trades.csv", &out, TradeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 3 || rep.Reasons["unparseable time"] != 1 || rep.Reasons["bad side"] != 1 || rep.Reasons["non-positive price"] != 1 {
		t.Errorf("report %v", rep)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "ts,kind,score,severity,token,evidence" {
		t.Errorf("header %q", lines[0])
	}
	var rush bool
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "2024-03-01T00:45:00Z,rush_orders,") {
			rush = true
		}
	}
	if !rush {
		t.Errorf("no rush_orders at 00:45:00 in\n%s", out.String())
	}
}
