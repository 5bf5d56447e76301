package anomaly

import (
	"fmt"
	"math"
	"testing"
	"time"
)

const pair = "0x00000000000000000000000000000000000000aa"

func runTransfers(t *testing.T, cfg TransferConfig, trs []Transfer) ([]Anomaly, *TransferDetector) {
	t.Helper()
	d := NewTransferDetector(cfg)
	var evs []Anomaly
	for _, tr := range trs {
		e, err := d.Push(tr)
		if err != nil {
			t.Fatalf("transfer %+v: %v", tr, err)
		}
		evs = append(evs, e...)
	}
	return append(evs, d.Flush()...), d
}

func addr(i int) string { return fmt.Sprintf("0x%040x", 0x1000+i) }

// launch: 1e9 minted to the creator, 60% put in the pair.
func launch() []Transfer {
	return []Transfer{
		{TS: t0, Block: 1, From: ZeroAddress, To: addr(0), Amount: 1e9},
		{TS: t0.Add(time.Minute), Block: 2, From: addr(0), To: pair, Amount: 6e8},
	}
}

func TestWashCycleIsFound(t *testing.T) {
	trs := launch()
	a, b := addr(1), addr(2)
	trs = append(trs,
		Transfer{TS: t0.Add(10 * time.Minute), From: pair, To: a, Amount: 1e6, TxHash: "0xbuy"},
		Transfer{TS: t0.Add(11 * time.Minute), From: a, To: b, Amount: 1e6, TxHash: "0xab"},
		Transfer{TS: t0.Add(12 * time.Minute), From: b, To: a, Amount: 0.97e6, TxHash: "0xba"},
		// a round trip through the pair is trading, not washing
		Transfer{TS: t0.Add(13 * time.Minute), From: a, To: pair, Amount: 0.97e6},
		Transfer{TS: t0.Add(14 * time.Minute), From: pair, To: a, Amount: 0.97e6},
		// a return after the window is not a cycle
		Transfer{TS: t0.Add(15 * time.Minute), From: addr(3), To: addr(4), Amount: 5e5},
		Transfer{TS: t0.Add(90 * time.Minute), From: addr(4), To: addr(3), Amount: 5e5},
	)
	evs, _ := runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)
	w := kinds(evs, KindWashCycle)
	if len(w) != 1 {
		t.Fatalf("wash cycles %d, want 1: %+v", len(w), w)
	}
	ev := w[0].Evidence
	if ev["a"] != a || ev["b"] != b || ev["first_tx"] != "0xab" || ev["second_tx"] != "0xba" || ev["seconds"] != 60.0 {
		t.Errorf("evidence %v", ev)
	}
}

func TestRepeatedWashEscalates(t *testing.T) {
	trs := launch()
	a, b := addr(1), addr(2)
	for i := range 4 {
		at := t0.Add(time.Duration(10+2*i) * time.Minute)
		trs = append(trs, Transfer{TS: at, From: a, To: b, Amount: 1e6}, Transfer{TS: at.Add(time.Minute), From: b, To: a, Amount: 1e6})
	}
	w := kinds(must(runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)), KindWashCycle)
	if len(w) != 4 || w[3].Evidence["round_trips"] != 4 || w[3].Severity != Critical || w[0].Severity != Info {
		t.Fatalf("want 4 cycles escalating info..critical, got %+v", w)
	}
}

func must(evs []Anomaly, _ *TransferDetector) []Anomaly { return evs }

func TestWhaleTransfer(t *testing.T) {
	trs := append(launch(),
		Transfer{TS: t0.Add(5 * time.Minute), From: pair, To: addr(9), Amount: 5e7, TxHash: "0xwhale"}, // 5% of supply
		Transfer{TS: t0.Add(6 * time.Minute), From: pair, To: addr(8), Amount: 1e6},                    // 0.1%
	)
	w := kinds(must(runTransfers(t, TransferConfig{}, trs)), KindWhaleTransfer)
	// The creator's 60% into the pair a minute after the mint is launch
	// allocation, not a whale move; the pair is not excluded here, so the
	// 5% out of it is one.
	if len(w) != 1 {
		t.Fatalf("whale transfers %d, want 1 (pair->whale 5%%): %+v", len(w), w)
	}
	if w[0].Evidence["supply_share"] != 0.05 || w[0].Score != 20 || w[0].Severity != Critical {
		t.Errorf("whale %+v", w[0])
	}
	// Through an excluded pair the same 5% is a buy, not a whale transfer.
	if w := kinds(must(runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)), KindWhaleTransfer); len(w) != 0 {
		t.Errorf("buy from the pair reported as whale transfer: %+v", w)
	}
}

func TestNewHolderBurstAndConcentration(t *testing.T) {
	trs := launch()
	at := t0.Add(time.Hour)
	n := 0
	// 12 hours of 5 new buyers an hour, 1e6 tokens each
	for h := range 12 {
		for i := range 5 {
			n++
			trs = append(trs, Transfer{TS: at.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Minute), From: pair, To: addr(100 + n), Amount: 1e6})
		}
	}
	// hour 13: 80 new buyers
	burst := at.Add(13 * time.Hour)
	for i := range 80 {
		n++
		trs = append(trs, Transfer{TS: burst.Add(time.Duration(i) * 20 * time.Second), From: pair, To: addr(100 + n), Amount: 1e6})
	}
	// hour 15: the creator moves 3e8 to one fresh wallet: concentration jumps
	trs = append(trs, Transfer{TS: burst.Add(2 * time.Hour), From: addr(0), To: addr(99), Amount: 3e8})
	trs = append(trs, Transfer{TS: burst.Add(4 * time.Hour), From: pair, To: addr(98), Amount: 1})
	evs, d := runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)
	nh := kinds(evs, KindNewHolderBurst)
	if len(nh) != 1 || nh[0].Evidence["new_holders"] != 80 || !nh[0].TS.Equal(burst) {
		t.Fatalf("new_holder_burst %+v, want one of 80 at %s", nh, burst)
	}
	cj := kinds(evs, KindConcentrationJump)
	if len(cj) != 0 {
		// Moving tokens from the creator (already top holder) to a new wallet
		// splits one holding into two: top-10 share barely changes, HHI falls.
		t.Fatalf("concentration jump on a split: %+v", cj)
	}
	c := d.Concentration()
	// creator 1e8 + addr(99) 3e8 + 140 buyers x 1e6 + 1; the pair's 4.6e8 is out
	if c.Holders != 143 || math.Abs(c.Circulating-5.4e8-1) > 1 {
		t.Errorf("holders %d circulating %v, want 143 and 5.4e8+1 (the pair excluded)", c.Holders, c.Circulating)
	}
	if c.Top[0].Address != addr(99) || math.Abs(c.Top[0].Share-3/5.4) > 1e-6 {
		t.Errorf("top holder %+v, want %s with 3/5.4", c.Top[0], addr(99))
	}
}

func TestConcentrationJump(t *testing.T) {
	// All supply in the pair; 50 buyers of 2e6 each over 10 hours (top-10
	// share 20%), then one wallet buys 3e8 out of the pair (top-10 80%).
	trs := []Transfer{
		{TS: t0, From: ZeroAddress, To: addr(0), Amount: 1e9},
		{TS: t0.Add(time.Minute), From: addr(0), To: pair, Amount: 1e9},
	}
	for i := range 50 {
		trs = append(trs, Transfer{TS: t0.Add(2*time.Minute + time.Duration(i)*12*time.Minute), From: pair, To: addr(200 + i), Amount: 2e6})
	}
	trs = append(trs, Transfer{TS: t0.Add(11 * time.Hour), From: pair, To: addr(300), Amount: 3e8})
	trs = append(trs, Transfer{TS: t0.Add(13 * time.Hour), From: pair, To: addr(301), Amount: 1})
	cj := kinds(must(runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)), KindConcentrationJump)
	if len(cj) != 1 || cj[0].Evidence["largest_holder"] != addr(300) || cj[0].Evidence["top10_share"] != 0.795 || cj[0].Evidence["prev_top10_share"] != 0.2 {
		t.Fatalf("concentration_jump %+v, want one naming %s", cj, addr(300))
	}
}

func TestHolderBookExcludesBurnAndPair(t *testing.T) {
	h := NewHolderBook(pair)
	h.Apply(ZeroAddress, addr(0), 100)
	h.Apply(addr(0), pair, 50)
	h.Apply(addr(0), DeadAddress, 30)
	h.Apply(addr(0), addr(1), 10)
	c := h.Concentration()
	if c.Holders != 2 || c.Circulating != 20 || c.Top10Share != 1 || c.HHI != 0.5 {
		t.Fatalf("concentration %+v, want 2 holders of 10 each", c)
	}
	h.Apply(addr(5), addr(6), 1) // unknown sender: negative balance counted
	if h.Negative != 1 {
		t.Errorf("Negative = %d, want 1", h.Negative)
	}
}
