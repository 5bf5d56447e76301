package anomaly

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestHolderDumpIsTheUnboughtBag(t *testing.T) {
	creator, trader, washer := addr(0), addr(1), addr(2)
	trs := launch() // 1e9 minted to the creator, 6e8 into the pair
	trs[1].Liquidity = true
	at := t0.Add(3 * time.Hour)
	trs = append(trs,
		// A trader buys 8% and sells it all within the hour: trading.
		Transfer{TS: at, From: pair, To: trader, Amount: 8e7},
		Transfer{TS: at.Add(10 * time.Minute), From: trader, To: pair, Amount: 8e7},
		// A wash trader buys, round-trips through a friend, sells: trading.
		Transfer{TS: at.Add(11 * time.Minute), From: pair, To: washer, Amount: 6e7},
		Transfer{TS: at.Add(12 * time.Minute), From: washer, To: addr(3), Amount: 6e7},
		Transfer{TS: at.Add(13 * time.Minute), From: addr(3), To: washer, Amount: 6e7},
		Transfer{TS: at.Add(14 * time.Minute), From: washer, To: pair, Amount: 6e7},
		// The creator sells its kept supply in three pieces: the sell rug,
		// flagged on the piece that crosses 5%, not again until 10%.
		Transfer{TS: at.Add(20 * time.Minute), From: creator, To: pair, Amount: 3e7, TxHash: "0xd1"},
		Transfer{TS: at.Add(21 * time.Minute), From: creator, To: pair, Amount: 3e7, TxHash: "0xd2"},
		Transfer{TS: at.Add(22 * time.Minute), From: creator, To: pair, Amount: 3e7, TxHash: "0xd3"},
	)
	evs, _ := runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)
	d := kinds(evs, KindHolderDump)
	if len(d) != 1 {
		t.Fatalf("holder dumps %d, want 1 (the creator): %+v", len(d), d)
	}
	ev := d[0].Evidence
	if ev["seller"] != creator || ev["sells"] != 2 || ev["supply_share"] != 0.06 || ev["first_tx"] != "0xd1" || ev["tx"] != "0xd2" || d[0].Score != 4.8 {
		t.Errorf("dump %+v", d[0])
	}
	// The wash trader's round trip is a wash cycle, and its legs are not
	// whale transfers (bought tokens stay bought).
	if w := kinds(evs, KindWhaleTransfer); len(w) != 0 {
		t.Errorf("whale transfers %+v", w)
	}
	if w := kinds(evs, KindWashCycle); len(w) != 1 {
		t.Errorf("wash cycles %+v", w)
	}
}

func TestWhaleTransferIsAnInsiderBag(t *testing.T) {
	team, fresh, buyer := addr(5), addr(6), addr(7)
	trs := launch()
	trs = append(trs,
		// Launch allocation: the creator hands 20% to a team wallet.
		Transfer{TS: t0.Add(2 * time.Minute), From: addr(0), To: team, Amount: 2e8},
		// A day later the team wallet moves 3% to a fresh wallet: a whale.
		Transfer{TS: t0.Add(24 * time.Hour), From: team, To: fresh, Amount: 3e7, TxHash: "0xwhale"},
		// A buyer moves the 2% it bought to its cold wallet: a purchase
		// moving, not a bag: not a whale.
		Transfer{TS: t0.Add(25 * time.Hour), From: pair, To: buyer, Amount: 2e7},
		Transfer{TS: t0.Add(26 * time.Hour), From: buyer, To: addr(8), Amount: 2e7},
	)
	w := kinds(must(runTransfers(t, TransferConfig{Exclude: []string{pair}}, trs)), KindWhaleTransfer)
	if len(w) != 1 || w[0].Evidence["tx"] != "0xwhale" || w[0].Evidence["supply_share"] != 0.03 || w[0].Score != 12 {
		t.Fatalf("whale transfers %+v", w)
	}
}

func TestDropWashLegs(t *testing.T) {
	evs := []Anomaly{
		{Kind: KindWhaleTransfer, Evidence: map[string]any{"tx": "0xa"}},
		{Kind: KindWhaleTransfer, Evidence: map[string]any{"tx": "0xc"}},
		{Kind: KindWashCycle, Evidence: map[string]any{"first_tx": "0xa", "second_tx": "0xb"}},
		{Kind: KindWhaleTransfer, Evidence: map[string]any{"tx": "0xb"}},
	}
	got := DropWashLegs(evs)
	if len(got) != 2 || got[0].Evidence["tx"] != "0xc" || got[1].Kind != KindWashCycle {
		t.Fatalf("got %+v", got)
	}
}

func TestPostBursts(t *testing.T) {
	d := NewPostDetector(PostConfig{Token: "T"})
	var evs []Anomaly
	push := func(p Post) {
		e, err := d.Push(p)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	old := t0.Add(-400 * 24 * time.Hour)
	// Ten hours of chatter: 4 posts per 15 minutes by established accounts.
	for w := range 40 {
		for i := range 4 {
			push(Post{TS: t0.Add(time.Duration(w)*15*time.Minute + time.Duration(i)*time.Minute), Author: "u" + string(rune('a'+i)), AuthorCreatedAt: old})
		}
	}
	// A campaign: 6 ordinary posts and 8 from week-old accounts.
	at := t0.Add(10 * time.Hour)
	for i := range 14 {
		created := old
		if i >= 6 {
			created = at.Add(-7 * 24 * time.Hour)
		}
		push(Post{TS: at.Add(time.Duration(i) * time.Minute), Author: "b" + string(rune('a'+i)), AuthorCreatedAt: created})
	}
	// News: 30 posts by established accounts an hour later.
	news := at.Add(time.Hour)
	for i := range 30 {
		push(Post{TS: news.Add(time.Duration(i) * 20 * time.Second), Author: "n" + string(rune('a'+i)), AuthorCreatedAt: old})
	}
	evs = append(evs, d.Flush()...)
	if len(evs) != 2 {
		t.Fatalf("events %+v", evs)
	}
	if evs[0].Kind != KindBotBurst || !evs[0].TS.Equal(at) || evs[0].Evidence["new_account_posts"] != 8 || evs[0].Score != 8 {
		t.Errorf("bot burst %+v", evs[0])
	}
	if evs[1].Kind != KindSocialBurst || !evs[1].TS.Equal(news) || evs[1].Evidence["posts"] != 30 {
		t.Errorf("social burst %+v", evs[1])
	}
	if _, err := d.Push(Post{TS: t0}); !errors.Is(err, ErrBadRow) {
		t.Errorf("out of order post: %v", err)
	}
}

func TestLiquidityRemoval(t *testing.T) {
	d := NewLiquidityDetector(LiquidityConfig{Token: "T"})
	cases := []struct {
		amount, after float64
		want          float64 // score, 0 for none
	}{
		{1, 99, 0},    // 1% of the pool: a provider leaving
		{30, 70, 4.8}, // 30%
		{95, 5, 15.2}, // the rug
		{40, 60, 6.4},
	}
	for _, c := range cases {
		evs, err := d.Push(LiquidityRemoval{TS: t0, TxHash: "0x1", AmountQuote: c.amount, ReserveQuoteAfter: c.after})
		if err != nil {
			t.Fatal(err)
		}
		if c.want == 0 {
			if len(evs) != 0 {
				t.Errorf("%v: %+v", c, evs)
			}
			continue
		}
		if len(evs) != 1 || evs[0].Score != c.want || evs[0].Kind != KindLiquidityRemoval {
			t.Errorf("%v: %+v", c, evs)
		}
	}
	// Half the pool is critical whatever the threshold.
	evs, _ := NewLiquidityDetector(LiquidityConfig{MinShare: 0.4}).Push(LiquidityRemoval{TS: t0, AmountQuote: 50, ReserveQuoteAfter: 50})
	if len(evs) != 1 || evs[0].Severity != Critical {
		t.Errorf("half the pool: %+v", evs)
	}
	if _, err := d.Push(LiquidityRemoval{TS: t0, AmountQuote: 5, ReserveQuoteAfter: math.NaN()}); !errors.Is(err, ErrBadRow) {
		t.Errorf("unknown reserve: %v", err)
	}
}

func TestCandles(t *testing.T) {
	c := NewCandleBuilder(15*time.Minute, 2)
	var bars []Bar
	for _, tr := range []Trade{
		{TS: t0.Add(time.Minute), Side: Buy, Price: 1, Amount: 10},
		{TS: t0.Add(2 * time.Minute), Side: Buy, Price: 1.5, Amount: 10},
		{TS: t0.Add(3 * time.Minute), Side: Sell, Price: 0.9, Amount: 10},
		{TS: t0.Add(50 * time.Minute), Side: Buy, Price: 2, Amount: 1}, // two empty buckets between
		{TS: t0.Add(5 * time.Hour), Side: Buy, Price: 3, Amount: 1},    // past max fill: no filler
	} {
		b, err := c.Push(tr)
		if err != nil {
			t.Fatal(err)
		}
		bars = append(bars, b...)
	}
	bars = append(bars, c.Flush()...)
	if len(bars) != 5 {
		t.Fatalf("bars %+v", bars)
	}
	b0 := bars[0]
	if !b0.TS.Equal(t0) || b0.Open != 1 || b0.High != 1.5 || b0.Low != 0.9 || b0.Close != 0.9 || math.Abs(b0.Volume-34) > 1e-9 {
		t.Errorf("first bar %+v", b0)
	}
	if bars[1].Close != 0.9 || bars[1].Volume != 0 || !bars[2].TS.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("fillers %+v %+v", bars[1], bars[2])
	}
	if bars[3].Open != 0.9 || bars[3].Close != 2 || bars[3].High != 2 || !bars[4].TS.Equal(t0.Add(5*time.Hour)) {
		t.Errorf("later bars %+v %+v", bars[3], bars[4])
	}
	if _, err := c.Push(Trade{TS: t0, Side: Buy, Price: 0, Amount: 1}); !errors.Is(err, ErrBadRow) {
		t.Errorf("zero price: %v", err)
	}
}
