package risk

import (
	"math"
	"testing"
	"time"
)

var day = 24 * time.Hour
var t0 = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)

func TestRugFeaturesFromPairEvents(t *testing.T) {
	b := NewRugFeatureBuilder()
	// A swap before any liquidity cannot exist; it is ignored.
	b.Add(PairEvent{Kind: Swap, TS: t0.Add(-time.Hour), WETHIn: true})
	for _, e := range []PairEvent{
		{Kind: Mint, TS: t0, Account: "0xC", Liquidity: 100},
		{Kind: Swap, TS: t0.Add(1 * day), WETHIn: true},
		{Kind: Swap, TS: t0.Add(2 * day), WETHIn: false},
		{Kind: Mint, TS: t0.Add(3 * day), Account: "0xD", Liquidity: 100},
		// Burn sent by the router, which holds no LP: Kang's book skips it.
		{Kind: Burn, TS: t0.Add(7 * day), Account: "0xRouter", Liquidity: 50},
		{Kind: Swap, TS: t0.Add(14 * day), WETHIn: true},
	} {
		b.Add(e)
	}
	f := b.Features(TokenFacts{TotalSupply: 1000, Burned: 100, CreatorBalance: 50, CreatorLPBalance: 40, CreatorTokens: 3})
	want := RugFeatures{
		MintCountPerWeek: 2.0 / 3, BurnCountPerWeek: 1.0 / 3,
		MintRatio: 2.0 / 6, SwapRatio: 3.0 / 6, BurnRatio: 1.0 / 6,
		MintMeanPeriod: 1.5 / 14, SwapMeanPeriod: 17.0 / 3 / 14, BurnMeanPeriod: 0.5,
		SwapInPerWeek: 2.0 / 3, SwapOutPerWeek: 1.0 / 3, SwapRate: 1,
		LPAvg: 50, LPStd: 0, LPCreatorHoldingRatio: 0.2, LPLockRatio: 0.3,
		TokenBurnRatio: 0.1, TokenCreatorHoldingRatio: 0.05, NumberOfTokenCreation: 3,
	}
	gv, wv := f.Vector(), want.Vector()
	for i := range gv {
		if math.Abs(gv[i]-wv[i]) > 1e-12 {
			t.Errorf("%s = %v, want %v", RugFeatureNames[i], gv[i], wv[i])
		}
	}
	if b.LPCreator() != "0xc" {
		t.Errorf("LP creator %q", b.LPCreator())
	}

	// The creator burns its own LP directly: it leaves the book.
	b.Add(PairEvent{Kind: Burn, TS: t0.Add(15 * day), Account: "0xC", Liquidity: 100})
	f = b.Features(TokenFacts{TotalSupply: 1000})
	if f.LPAvg != 100 || f.LPStd != 0 {
		t.Errorf("after the creator's burn: lp_avg %v lp_std %v, want 100 and 0", f.LPAvg, f.LPStd)
	}
	p, err := RugProbability(f)
	if err != nil || p <= 0 || p >= 1 {
		t.Fatalf("probability %v, %v", p, err)
	}
}

func TestLPStdOfUnequalHolders(t *testing.T) {
	b := NewRugFeatureBuilder()
	b.Add(PairEvent{Kind: Mint, TS: t0, Account: "a", Liquidity: 300})
	b.Add(PairEvent{Kind: Mint, TS: t0.Add(time.Hour), Account: "b", Liquidity: 100})
	f := b.Features(TokenFacts{})
	// shares 75% and 25%: mean 50, population std 25
	if f.LPAvg != 50 || math.Abs(f.LPStd-25) > 1e-12 {
		t.Fatalf("lp_avg %v lp_std %v, want 50 and 25", f.LPAvg, f.LPStd)
	}
}

func TestFactFlagsAndAssess(t *testing.T) {
	rug := FactFlags(Facts{LPRemovedByCreator: F(0.9), LPLockedShare: F(0)})
	if got := codes(rug); got[FlagLPRemoved] != Critical || got[FlagLPUnlocked] != Critical {
		t.Fatalf("rug flags %v", got)
	}
	if a := Assess(rug); a.Score < 95 {
		t.Errorf("rugged token scores %v, want >= 95", a.Score)
	}

	clean := FactFlags(Facts{Top10Share: F(0.35), CreatorTokenShare: F(0.01), LPLockedShare: F(0.99), Age: ptrDur(90 * day),
		DistinctBuyers: I(500), SellersOtherThanOwner: I(320), LiquidityUSD: F(2e6), MarketCapUSD: F(2e7), SpamShare: F(0.1)})
	if len(clean) != 0 || Assess(clean).Score != 0 {
		t.Fatalf("clean token flagged: %+v", clean)
	}

	honeypot := FactFlags(Facts{DistinctBuyers: I(140), SellersOtherThanOwner: I(0)})
	if codes(honeypot)[FlagHoneypot] != Critical || Assess(honeypot).Score < 90 {
		t.Fatalf("honeypot: %+v", honeypot)
	}

	mixed := FactFlags(Facts{Top10Share: F(0.8), Age: ptrDur(12 * time.Hour)})
	if got := codes(mixed); got[FlagTop10] != Warn || got[FlagNewToken] != Warn {
		t.Fatalf("mixed flags %v", got)
	}
	// two warns: 100*(1 - 0.85^2) = 27.75
	if s := Assess(mixed).Score; math.Abs(s-27.75) > 0.06 {
		t.Errorf("two warnings score %v, want 27.75 (+-0.05 rounding)", s)
	}

	// Contract and fact flags compound; the model enters by its probability.
	a := Assess(ContractFlags(ContractInput{Source: crafted(t, "fair.sol")}), FactFlags(Facts{RugProbability: F(0.95)}))
	if a.Score < 85 || a.Score > 87 {
		t.Errorf("fair contract + 95%% rug model: %v, want about 86", a.Score)
	}
}

func ptrDur(d time.Duration) *time.Duration { return &d }
