package risk

import (
	"math"
	"strings"
	"time"
)

// PairEventKind is the kind of a Uniswap V2 pair event.
type PairEventKind int8

const (
	Mint PairEventKind = iota + 1 // liquidity added
	Burn                          // liquidity removed
	Swap
)

// PairEvent is one Mint, Burn or Swap of a token's Uniswap V2 (WETH) pair,
// as the Etherscan getLogs collector gets them from the pair address.
type PairEvent struct {
	Kind PairEventKind
	TS   time.Time
	// Account is, for a Mint, the address that received the LP tokens
	// (the `to` of the pair's LP Transfer from 0x0 in the same tx; the
	// MINIMUM_LIQUIDITY 1000 wei minted to 0x0 on the first Mint is not a
	// Mint of its own). For a Burn it is the Burn event's `sender`: that is
	// what Kang et al.'s feature code (TheGraph's burn.sender) uses, and as
	// it is usually the router, most burns do not reduce a holder there;
	// memepipe reproduces this so the features match what the model saw.
	Account string
	// Liquidity is the LP token amount minted or burned.
	Liquidity float64
	// WETHIn is, for a Swap, whether WETH was paid into the pair (the token
	// bought: Kang's "swap in"); false means the token was sold for WETH.
	WETHIn bool
}

// TokenFacts are the token-side inputs of the rug features, read at the
// feature time from the token's transfers and the creator's history.
type TokenFacts struct {
	// TotalSupply of the token now (Kang: current total supply).
	TotalSupply float64
	// Burned is the amount transferred to burn addresses (0x0, 0x...dead).
	Burned float64
	// CreatorBalance is the token balance of the creator (the address that
	// received the initial supply) at the feature time.
	CreatorBalance float64
	// CreatorLPBalance is the LP-token balance the LP creator (the first
	// Mint's Account) actually holds at the feature time, from the pair's
	// LP Transfer events: minted LP moved to a locker or burned is gone.
	CreatorLPBalance float64
	// CreatorTokens is how many tokens the creator address has deployed
	// (1 for a first-time deployer), from contract-creation lookups.
	CreatorTokens int
}

// RugFeatures are Kang et al.'s 18 features. Periods are over the pair's
// active period: from its first Mint to its last event before the feature
// time (for a live token: now; Kang used just before the rug for rugs and
// 7 days in for normal tokens).
type RugFeatures struct {
	MintCountPerWeek float64 // mints / (active weeks + 1)
	BurnCountPerWeek float64 // burns / (active weeks + 1)
	MintRatio        float64 // mints / all events
	SwapRatio        float64 // swaps / all events
	BurnRatio        float64 // burns / all events
	// Mean time of the kind's events after the first Mint, as a share of
	// the active period (0 when there are none, or no active period).
	MintMeanPeriod float64
	SwapMeanPeriod float64
	BurnMeanPeriod float64
	SwapInPerWeek  float64 // buys (WETH in) / (active weeks + 1)
	SwapOutPerWeek float64 // sells / (active weeks + 1)
	SwapRate       float64 // buys / (sells + 1)
	// LP holder book from Mints (+) and Burns (-) by Account; holders
	// under 1e-17 LP are dropped.
	LPAvg float64 // 100 / number of LP holders (mean % share)
	LPStd float64 // population std of the holders' % shares
	// CreatorLPBalance / total LP in the book.
	LPCreatorHoldingRatio float64
	// (LP the creator got by Mints per the book - CreatorLPBalance) / total
	// LP: the LP the creator moved away, to a locker, a burn address or
	// elsewhere.
	LPLockRatio              float64
	TokenBurnRatio           float64 // Burned / TotalSupply
	TokenCreatorHoldingRatio float64 // CreatorBalance / TotalSupply
	NumberOfTokenCreation    float64 // CreatorTokens
}

// Vector lists the features in RugFeatureNames order.
func (f RugFeatures) Vector() []float64 {
	return []float64{
		f.MintCountPerWeek, f.BurnCountPerWeek,
		f.MintRatio, f.SwapRatio, f.BurnRatio,
		f.MintMeanPeriod, f.SwapMeanPeriod, f.BurnMeanPeriod,
		f.SwapInPerWeek, f.SwapOutPerWeek, f.SwapRate,
		f.LPAvg, f.LPStd, f.LPCreatorHoldingRatio, f.LPLockRatio,
		f.TokenBurnRatio, f.TokenCreatorHoldingRatio,
		f.NumberOfTokenCreation,
	}
}

// RugFeatureBuilder accumulates a pair's events in time order, keeping
// counts, time sums and the LP holder book (one entry per LP holder), so
// features can be read at any point without the event history.
type RugFeatureBuilder struct {
	first, last      time.Time
	started          bool
	mints, burns     int
	swapIn, swapOut  int
	sumMint, sumBurn float64 // seconds since first, summed
	sumSwap          float64
	lp               map[string]float64
	lpCreator        string
	lpCreatorMinted  float64
}

// NewRugFeatureBuilder returns an empty builder.
func NewRugFeatureBuilder() *RugFeatureBuilder {
	return &RugFeatureBuilder{lp: map[string]float64{}}
}

// Add consumes the next pair event. Events before the first Mint (there
// should be none: a pair has no liquidity before it) are ignored.
func (b *RugFeatureBuilder) Add(e PairEvent) {
	if !b.started {
		if e.Kind != Mint {
			return
		}
		b.started, b.first = true, e.TS
		b.lpCreator = strings.ToLower(e.Account)
	}
	if e.TS.After(b.last) {
		b.last = e.TS
	}
	dt := e.TS.Sub(b.first).Seconds()
	acct := strings.ToLower(e.Account)
	switch e.Kind {
	case Mint:
		b.mints++
		b.sumMint += dt
		b.lp[acct] += e.Liquidity
		if acct == b.lpCreator {
			b.lpCreatorMinted += e.Liquidity
		}
	case Burn:
		b.burns++
		b.sumBurn += dt
		if bal, ok := b.lp[acct]; ok { // Kang: burns by non-holders are skipped
			bal -= e.Liquidity
			if bal < 1e-17 {
				delete(b.lp, acct)
			} else {
				b.lp[acct] = bal
			}
		}
	case Swap:
		b.sumSwap += dt
		if e.WETHIn {
			b.swapIn++
		} else {
			b.swapOut++
		}
	}
}

// Features computes the 18 features from the events so far and the
// token-side facts.
func (b *RugFeatureBuilder) Features(t TokenFacts) RugFeatures {
	var f RugFeatures
	swaps := b.swapIn + b.swapOut
	total := b.mints + b.burns + swaps
	if total == 0 {
		return f
	}
	active := b.last.Sub(b.first).Seconds()
	weeks := active/(7*24*3600) + 1
	f.MintCountPerWeek = float64(b.mints) / weeks
	f.BurnCountPerWeek = float64(b.burns) / weeks
	f.MintRatio = float64(b.mints) / float64(total)
	f.SwapRatio = float64(swaps) / float64(total)
	f.BurnRatio = float64(b.burns) / float64(total)
	if active > 0 {
		mean := func(sum float64, n int) float64 {
			if n == 0 {
				return 0
			}
			return sum / float64(n) / active
		}
		f.MintMeanPeriod = mean(b.sumMint, b.mints)
		f.SwapMeanPeriod = mean(b.sumSwap, swaps)
		f.BurnMeanPeriod = mean(b.sumBurn, b.burns)
	}
	f.SwapInPerWeek = float64(b.swapIn) / weeks
	f.SwapOutPerWeek = float64(b.swapOut) / weeks
	f.SwapRate = float64(b.swapIn) / float64(b.swapOut+1)

	var totalLP float64
	for _, v := range b.lp {
		totalLP += v
	}
	if n := len(b.lp); n > 0 && totalLP > 0 {
		f.LPAvg = 100 / float64(n)
		var ss float64
		for _, v := range b.lp {
			d := v/totalLP*100 - f.LPAvg
			ss += d * d
		}
		f.LPStd = math.Sqrt(ss / float64(n))
		f.LPCreatorHoldingRatio = t.CreatorLPBalance / totalLP
		f.LPLockRatio = (b.lpCreatorMinted - t.CreatorLPBalance) / totalLP
	}
	if t.TotalSupply > 0 {
		f.TokenBurnRatio = t.Burned / t.TotalSupply
		f.TokenCreatorHoldingRatio = t.CreatorBalance / t.TotalSupply
	}
	f.NumberOfTokenCreation = float64(max(t.CreatorTokens, 1))
	return f
}

// RugBuilderState is a RugFeatureBuilder's state, for saving a replay of a
// pair's events and resuming it (RestoreRugFeatureBuilder).
type RugBuilderState struct {
	First, Last      time.Time
	Started          bool
	Mints, Burns     int
	SwapIn, SwapOut  int
	SumMint, SumBurn float64
	SumSwap          float64
	LP               map[string]float64
	LPCreator        string
	LPCreatorMinted  float64
}

// State returns the builder's state; its LP map is the builder's own.
func (b *RugFeatureBuilder) State() RugBuilderState {
	return RugBuilderState{First: b.first, Last: b.last, Started: b.started, Mints: b.mints, Burns: b.burns,
		SwapIn: b.swapIn, SwapOut: b.swapOut, SumMint: b.sumMint, SumBurn: b.sumBurn, SumSwap: b.sumSwap,
		LP: b.lp, LPCreator: b.lpCreator, LPCreatorMinted: b.lpCreatorMinted}
}

// RestoreRugFeatureBuilder returns a builder that goes on from s.
func RestoreRugFeatureBuilder(s RugBuilderState) *RugFeatureBuilder {
	b := &RugFeatureBuilder{first: s.First, last: s.Last, started: s.Started, mints: s.Mints, burns: s.Burns,
		swapIn: s.SwapIn, swapOut: s.SwapOut, sumMint: s.SumMint, sumBurn: s.SumBurn, sumSwap: s.SumSwap,
		lp: s.LP, lpCreator: s.LPCreator, lpCreatorMinted: s.LPCreatorMinted}
	if b.lp == nil {
		b.lp = map[string]float64{}
	}
	return b
}

// LPCreator is the address that provided the first liquidity.
func (b *RugFeatureBuilder) LPCreator() string { return b.lpCreator }

// RugProbability is the embedded model's probability that the pair is (or
// will be) rug-pulled, given its features.
func RugProbability(f RugFeatures) (float64, error) {
	m, err := RugModel()
	if err != nil {
		return 0, err
	}
	return m.Predict(f.Vector()), nil
}
