package risk

import (
	"fmt"
	"time"
)

// Facts are the on-chain, market and analytics facts about a token that
// the risk flags read. Pointer fields are optional: nil means unknown and
// raises no flag (an unknown is not evidence of safety or of risk).
type Facts struct {
	// Top10Share of the circulating supply (pair, burn and locker
	// addresses excluded), from replaying transfers.
	Top10Share *float64
	// CreatorTokenShare is the creator's share of the total supply.
	CreatorTokenShare *float64
	// CreatorLPShare is the creator's share of the pair's LP tokens.
	CreatorLPShare *float64
	// LPLockedShare is the share of LP tokens burned (sent to 0x0/0x..dead)
	// or held by known lockers.
	LPLockedShare *float64
	// LPRemovedByCreator is the share of the pool's peak liquidity the
	// creator has removed (pair Burn events whose LP came from the creator).
	LPRemovedByCreator *float64
	// DistinctBuyers and SellersOtherThanOwner count addresses that bought
	// from and sold into the pair. Many buyers and no seller but the owner
	// is the honeypot sign in history.
	DistinctBuyers        *int
	SellersOtherThanOwner *int
	// Age since the pair's first liquidity.
	Age *time.Duration
	// LiquidityUSD (the pool's quote side, doubled) and MarketCapUSD.
	LiquidityUSD *float64
	MarketCapUSD *float64
	// InsiderDumpShare is the largest share of the supply one address sold
	// into the pair within an hour beyond what it had bought there (the
	// anomaly detector's holder_dump) in the last 7 days: the sell rug,
	// a creator or insider unloading a bag it never paid for.
	InsiderDumpShare *float64
	// RecentPumpAndDumps counts pump_and_dump anomalies in the last 7 days.
	RecentPumpAndDumps *int
	// SpamShare is the share of the token's recent posts scored as spam by
	// analyze/sentiment.
	SpamShare *float64
	// RugProbability is the rug model's output for the pair, when computed.
	RugProbability *float64
}

// F and I make optional fields: risk.Facts{Top10Share: risk.F(0.8)}.
func F(v float64) *float64 { return &v }
func I(v int) *int         { return &v }

// FactFlags grades the facts by thresholds from token-security practice
// (creator under 5% of supply, top-10 under 70%, at least 95% of liquidity
// locked or burned; FIELD.md) and the rug model.
func FactFlags(f Facts) []Flag {
	var out []Flag
	add := func(code string, sev Severity, title string, ev map[string]any) {
		out = append(out, Flag{Code: code, Severity: sev, Title: title, Evidence: ev})
	}
	pct := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
	if v := f.Top10Share; v != nil && *v > 0.7 {
		sev := Warn
		if *v > 0.9 {
			sev = Critical
		}
		add(FlagTop10, sev, "top 10 holders own "+pct(*v)+" of the circulating supply", map[string]any{"top10_share": *v, "threshold": 0.7})
	}
	if v := f.CreatorTokenShare; v != nil && *v > 0.05 {
		sev := Warn
		if *v > 0.2 {
			sev = Critical
		}
		add(FlagCreatorTokens, sev, "creator holds "+pct(*v)+" of the supply", map[string]any{"creator_share": *v, "threshold": 0.05})
	}
	locked := f.LPLockedShare
	if v := f.CreatorLPShare; v != nil && *v > 0.5 {
		sev := Warn
		if locked == nil || *locked < 0.5 {
			sev = Critical
		}
		add(FlagCreatorLP, sev, "creator holds "+pct(*v)+" of the LP tokens: can pull the liquidity", map[string]any{"creator_lp_share": *v})
	}
	if locked != nil && *locked < 0.95 {
		sev := Warn
		if *locked < 0.5 {
			sev = Critical
		}
		add(FlagLPUnlocked, sev, "only "+pct(*locked)+" of liquidity is locked or burned", map[string]any{"lp_locked_share": *locked, "threshold": 0.95})
	}
	if v := f.LPRemovedByCreator; v != nil && *v > 0.1 {
		sev := Warn
		if *v >= 0.5 {
			sev = Critical
		}
		add(FlagLPRemoved, sev, "creator removed "+pct(*v)+" of the liquidity", map[string]any{"removed_share": *v})
	}
	if v := f.InsiderDumpShare; v != nil && *v >= 0.05 {
		sev := Warn
		if *v >= 0.2 {
			sev = Critical
		}
		add(FlagInsiderDump, sev, "one address sold "+pct(*v)+" of the supply it had not bought within an hour (sell rug)", map[string]any{"supply_share": *v, "threshold": 0.05})
	}
	if b, s := f.DistinctBuyers, f.SellersOtherThanOwner; b != nil && s != nil && *b >= 20 && *s == 0 {
		add(FlagHoneypot, Critical, fmt.Sprintf("%d distinct buyers and no sell by anyone but the owner (honeypot sign)", *b), map[string]any{"buyers": *b, "other_sellers": 0})
	}
	if a := f.Age; a != nil && *a < 7*24*time.Hour {
		sev := Info
		if *a < 24*time.Hour {
			sev = Warn // about 60% of new tokens live under a day (Cernera et al. 2023)
		}
		add(FlagNewToken, sev, "token is "+a.Round(time.Minute).String()+" old", map[string]any{"age_hours": a.Hours()})
	}
	if l, m := f.LiquidityUSD, f.MarketCapUSD; l != nil && m != nil && *m > 0 {
		ratio := *l / *m
		if ratio < 0.05 {
			sev := Warn
			if ratio < 0.01 {
				sev = Critical
			}
			add(FlagLowLiquidity, sev, "liquidity is "+pct(ratio)+" of market cap: the price cannot absorb sells", map[string]any{"liquidity_usd": *l, "market_cap_usd": *m, "ratio": ratio})
		}
	}
	if n := f.RecentPumpAndDumps; n != nil && *n > 0 {
		sev := Warn
		if *n > 1 {
			sev = Critical
		}
		add(FlagPumpAndDump, sev, fmt.Sprintf("%d pump-and-dump shape(s) in the last 7 days", *n), map[string]any{"count": *n})
	}
	if s := f.SpamShare; s != nil && *s > 0.5 {
		sev := Warn
		if *s > 0.8 {
			sev = Critical
		}
		add(FlagSpamSentiment, sev, "sentiment is driven by spam: "+pct(*s)+" of posts", map[string]any{"spam_share": *s})
	}
	if p := f.RugProbability; p != nil && *p >= 0.5 {
		sev := Warn
		if *p >= 0.9 {
			sev = Critical
		}
		add(FlagRugModel, sev, "rug-pull model: "+pct(*p)+" probability", map[string]any{"probability": *p})
	}
	sortFlags(out)
	return out
}
