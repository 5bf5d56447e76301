package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/anomaly"
	"memepipe/analyze/risk"
	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/watchlist"
)

// analyze.risk assesses every watched token as of the end of the run's
// interval and stores the score (0-100) and its flags with
// PutRiskAssessment (keyed by token and time: a re-run rewrites the same
// assessment).
//
// What it reads, per token:
//   - contracts: the stored getsourcecode result -> risk.ContractFlags
//     (unverified, mint, blacklist, pause, fee and max-tx setters, proxy...).
//     No stored source means no contract flags (unknown is not unverified).
//   - transfers, replayed from the first stored one up to the end of the
//     interval through anomaly.HolderBook (the pair and burn addresses
//     excluded): top-10 share, the creator's share (the creator is the
//     receiver of the first mint), distinct buyers from the pair and
//     sellers into it (many buyers and no seller but the owner is the
//     honeypot sign). State is one entry per holder, never the history.
//   - the pair's LP token transfers (stored under the pair's key): who got
//     the LP, how much is burned or locked, how much the creator sent back
//     to the pair to burn (liquidity removed by the creator).
//   - liquidity_events and swaps -> risk.RugFeatureBuilder -> the embedded
//     rug-pull model's probability (only when the pair's first Mint is
//     stored: the features are relative to the pair's life).
//   - fundamentals (latest at the time): liquidity against market cap,
//     launch time; anomalies: pump-and-dumps in the last 7 days; sentiment
//     aggregates: the spam share of the last day.
//
// The transfers, LP transfers, liquidity events and swaps are one replay
// (riskReplay) that goes on from a checkpoint in the store: a run reads the
// rows since the last checkpoint, not the token's whole history, and
// writes a new checkpoint once it has read checkpointEvery rows.
//
// Params: tokens.
func init() {
	Register("analyze.risk", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens []string `koanf:"tokens"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		if err := checkTokenParams(p.Tokens); err != nil {
			return nil, err
		}
		return &riskTask{deps: d, tokens: p.Tokens}, nil
	})
}

type riskTask struct {
	deps   Deps
	tokens []string
}

func (t *riskTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	st, err := analysisStore(t.deps, "analyze.risk")
	if err != nil {
		return pipeline.Result{}, err
	}
	tokens, err := analysisTokens(t.deps, t.tokens)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("analyze.risk: %w", err))
	}
	var res pipeline.Result
	for _, tok := range tokens {
		a, err := AssessRisk(ctx, st, tok, tc.Interval.End)
		res.RecordsIn += int64(a.Rows)
		if err != nil {
			return res, err
		}
		if err := st.PutRiskAssessment(ctx, a.Score, a.Flags); err != nil {
			return res, fmt.Errorf("analyze.risk: %s: store: %w", tok.Key(), err)
		}
		res.RecordsOut++
		if tc.Log != nil {
			codes := make([]string, 0, len(a.Flags))
			for _, f := range a.Flags {
				if f.Severity != "info" {
					codes = append(codes, f.Flag+"("+f.Severity+")")
				}
			}
			fmt.Fprintf(tc.Log, "%s: risk %.1f, flags %s\n", tok.Key(), a.Score.RiskScore, strings.Join(codes, " "))
		}
	}
	return res, nil
}

// RiskResult is one token's assessment as the store keeps it.
type RiskResult struct {
	Score analytics.RiskScore
	Flags []analytics.RiskFlag
	// Rows is how many canonical rows were read.
	Rows int
	// Resumed: the on-chain replay went on from a checkpoint.
	Resumed bool
}

// riskBreakdown is stored beside the score: the facts the flags read.
type riskBreakdown struct {
	Facts       map[string]any         `json:"facts"`
	RugFeatures *risk.RugFeatures      `json:"rug_features,omitempty"`
	Contract    map[string]any         `json:"contract"`
	Holders     *anomaly.Concentration `json:"holders,omitempty"`
}

// AssessRisk assesses tok as of asOf from the store.
func AssessRisk(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time) (RiskResult, error) {
	key := tok.Key()
	out := RiskResult{}
	fail := func(what string, err error) (RiskResult, error) {
		return out, fmt.Errorf("analyze.risk: %s: %s: %w", key, what, err)
	}
	bd := riskBreakdown{Facts: map[string]any{}, Contract: map[string]any{"stored": false}}

	// Contract source.
	var contractFlags []risk.Flag
	if tok.Address != "" {
		cs, err := store.ListCanonical[canonical.Contract](ctx, st, store.CanonicalQuery{Token: key})
		if err != nil {
			return fail("contracts", err)
		}
		out.Rows += len(cs)
		for _, c := range cs {
			if !strings.EqualFold(c.Address, tok.Address) {
				continue // a proxy's implementation is analysed through the proxy's row
			}
			src := risk.ContractSource{SourceCode: c.SourceCode, ABI: c.ABI, ContractName: c.Name, CompilerVersion: c.Compiler,
				Implementation: c.Implementation, LicenseType: c.License}
			if c.IsProxy {
				src.Proxy = "1"
			}
			if !c.Verified {
				src.SourceCode = "" // Etherscan's "not verified" placeholder, if any, is not code
			}
			contractFlags = risk.ContractFlags(risk.ContractInput{Source: src})
			bd.Contract = map[string]any{"stored": true, "verified": c.Verified, "name": c.Name, "proxy": c.IsProxy, "source_sha256": c.SourceSHA256}
		}
	}

	replay, rows, resumed, err := replayTo(ctx, st, tok, asOf)
	out.Rows += rows
	out.Resumed = resumed
	if err != nil {
		return fail("on-chain replay", err)
	}
	facts, book := chainFacts(replay, tok, asOf)
	if book != nil {
		c := book.Concentration()
		c.Top = c.Top[:min(len(c.Top), 3)]
		bd.Holders = &c
	}
	if feats := rugFeatures(replay, facts); feats != nil {
		p, err := risk.RugProbability(*feats)
		if err != nil {
			return fail("rug model", err)
		}
		facts.f.RugProbability = &p
		bd.RugFeatures = feats
	}
	if err := marketFacts(ctx, st, tok, asOf, &facts); err != nil {
		return fail("market facts", err)
	}
	for k, v := range facts.evidence() {
		bd.Facts[k] = v
	}

	a := risk.Assess(contractFlags, risk.FactFlags(facts.f))
	breakdown, err := json.Marshal(bd)
	if err != nil {
		return fail("breakdown", err)
	}
	asOf = asOf.UTC()
	out.Score = analytics.RiskScore{Token: key, AsOf: asOf, RiskScore: a.Score, RugProbability: facts.f.RugProbability, Breakdown: breakdown}
	out.Flags = make([]analytics.RiskFlag, 0, len(a.Flags))
	seen := map[string]bool{}
	for _, f := range a.Flags {
		if seen[f.Code] {
			continue // one row per code: (token, flag, as_of) is the key
		}
		seen[f.Code] = true
		ev := map[string]any{"title": f.Title}
		for k, v := range f.Evidence {
			ev[k] = v
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			return fail("flag evidence", err)
		}
		out.Flags = append(out.Flags, analytics.RiskFlag{Token: key, Flag: f.Code, AsOf: asOf, Severity: string(f.Severity), Evidence: raw, Source: flagSource(f.Code)})
	}
	return out, nil
}

// flagSource says what raised a flag: contract, onchain, market or model.
func flagSource(code string) string {
	switch code {
	case risk.FlagTop10, risk.FlagCreatorTokens, risk.FlagCreatorLP, risk.FlagLPUnlocked, risk.FlagLPRemoved, risk.FlagHoneypot, risk.FlagInsiderDump:
		return "onchain"
	case risk.FlagNewToken, risk.FlagLowLiquidity, risk.FlagPumpAndDump, risk.FlagSpamSentiment:
		return "market"
	case risk.FlagRugModel:
		return "model"
	}
	return "contract"
}

// tokenFacts are risk.Facts plus what the rug features and the evidence
// need from the same replay.
type tokenFacts struct {
	f            risk.Facts
	creator      string
	minted       float64
	burned       float64
	creatorBal   float64
	lpCreator    string
	lpCreatorBal float64
	firstMint    time.Time
	lpRemover    string // receiver of the largest removal, when the LP provider is unknown
}

func (t tokenFacts) evidence() map[string]any {
	m := map[string]any{"creator": t.creator, "minted": t.minted, "burned": t.burned}
	if t.lpRemover != "" {
		m["lp_removed_to"] = t.lpRemover
	}
	put := func(k string, v *float64) {
		if v != nil {
			m[k] = *v
		}
	}
	puti := func(k string, v *int) {
		if v != nil {
			m[k] = *v
		}
	}
	put("top10_share", t.f.Top10Share)
	put("creator_token_share", t.f.CreatorTokenShare)
	put("creator_lp_share", t.f.CreatorLPShare)
	put("lp_locked_share", t.f.LPLockedShare)
	put("lp_removed_by_creator", t.f.LPRemovedByCreator)
	put("insider_dump_share", t.f.InsiderDumpShare)
	puti("distinct_buyers", t.f.DistinctBuyers)
	puti("sellers_other_than_owner", t.f.SellersOtherThanOwner)
	put("liquidity_usd", t.f.LiquidityUSD)
	put("market_cap_usd", t.f.MarketCapUSD)
	puti("recent_pump_and_dumps", t.f.RecentPumpAndDumps)
	put("spam_share", t.f.SpamShare)
	put("rug_probability", t.f.RugProbability)
	if t.f.Age != nil {
		m["age_hours"] = t.f.Age.Hours()
	}
	return m
}

// chainFacts reads the risk facts off tok's replay as of asOf; book is
// nil when no transfer of the token is stored.
func chainFacts(r *riskReplay, tok watchlist.Token, asOf time.Time) (tokenFacts, *anomaly.HolderBook) {
	var tf tokenFacts
	if tok.Address == "" || r.Counts.Transfers == 0 {
		return tf, nil
	}
	h := &r.Chain
	tf.creator, tf.minted, tf.burned, tf.firstMint, tf.lpCreator = h.Creator, h.Minted, h.Burned, h.FirstMint, r.LPCreator
	book := h.book(tok)
	c := book.Concentration()
	if c.Holders > 0 {
		tf.f.Top10Share = risk.F(c.Top10Share)
	}
	supply := tf.minted - tf.burned
	if tf.creator != "" && supply > 0 {
		tf.creatorBal = book.Balance(tf.creator)
		tf.f.CreatorTokenShare = risk.F(tf.creatorBal / supply)
	}
	if tok.Pair != "" {
		owner := tf.creator
		others := 0
		for s := range h.Sellers {
			if s != owner {
				others++
			}
		}
		if owner == "" && len(h.Sellers) == 1 {
			// The first mint is not in the store (the replay starts after
			// launch): a lone seller is taken for the owner.
			others = 0
		}
		tf.f.DistinctBuyers = risk.I(len(h.Buyers))
		tf.f.SellersOtherThanOwner = risk.I(others)
	}
	if !tf.firstMint.IsZero() {
		age := asOf.Sub(tf.firstMint)
		tf.f.Age = &age
	}
	if pairKey(tok) == "" {
		return tf, book
	}
	if total := r.LPMinted - r.LPRemoved; total > 0 {
		// What burn addresses hold, less what the pair itself burned
		// (removed liquidity, which left the supply): LP holders sent
		// there, plus MINIMUM_LIQUIDITY (1000 wei) minted to 0x0 at the
		// first Mint, which is locked for good too.
		locked := -r.LPRemoved
		for _, a := range sortedKeys(r.LP) {
			if anomaly.IsBurnAddress(a) {
				locked += r.LP[a]
			}
		}
		locked = max(0, min(locked, total))
		tf.f.LPLockedShare = risk.F(locked / total)
		if tf.lpCreator != "" {
			tf.lpCreatorBal = max(0, r.LP[tf.lpCreator])
			tf.f.CreatorLPShare = risk.F(tf.lpCreatorBal / total)
		}
	}
	if r.LPPeak > 0 && (tf.lpCreator != "" || tf.creator != "") {
		tf.f.LPRemovedByCreator = risk.F(min(1, r.CreatorRemoved/r.LPPeak))
	}
	return tf, book
}

// rugFeatures are the rug model's features from the replayed pair events;
// nil unless the first stored one is the pair's first Mint (the features
// are relative to the pair's life).
func rugFeatures(r *riskReplay, tf tokenFacts) *risk.RugFeatures {
	if !r.RugUsable {
		return nil
	}
	f := risk.RestoreRugFeatureBuilder(r.Rug).Features(risk.TokenFacts{TotalSupply: tf.minted - tf.burned, Burned: tf.burned,
		CreatorBalance: tf.creatorBal, CreatorLPBalance: tf.lpCreatorBal, CreatorTokens: 1})
	return &f
}

// marketFacts adds the fundamentals, recent pump-and-dumps and the spam
// share of the last day's posts.
func marketFacts(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time, tf *tokenFacts) error {
	key := tok.Key()
	var latest *canonical.Fundamentals
	var launched *time.Time
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableFundamentals, Token: key, To: asOf}, func(r canonical.Row) error {
		f := r.(canonical.Fundamentals)
		if f.LiquidityUSD != nil && f.MarketCap != nil {
			latest = &f
		}
		if f.LaunchedAt != nil && (launched == nil || f.LaunchedAt.Before(*launched)) {
			launched = f.LaunchedAt
		}
		return nil
	})
	if err != nil {
		return err
	}
	if latest != nil {
		tf.f.LiquidityUSD, tf.f.MarketCapUSD = latest.LiquidityUSD, latest.MarketCap
	}
	if launched != nil && (tf.f.Age == nil || asOf.Sub(*launched) > *tf.f.Age) {
		age := asOf.Sub(*launched)
		tf.f.Age = &age
	}
	pumps, err := st.Anomalies(ctx, store.AnomalyFilter{Token: key, Kinds: []string{anomaly.KindPumpAndDump}, From: asOf.Add(-7 * 24 * time.Hour), To: asOf, Limit: 1000})
	if err != nil {
		return err
	}
	tf.f.RecentPumpAndDumps = risk.I(len(pumps))
	dumps, err := st.Anomalies(ctx, store.AnomalyFilter{Token: key, Kinds: []string{anomaly.KindHolderDump}, From: asOf.Add(-7 * 24 * time.Hour), To: asOf, Limit: 1000})
	if err != nil {
		return err
	}
	for _, d := range dumps {
		var ev struct {
			SupplyShare float64 `json:"supply_share"`
		}
		if json.Unmarshal(d.Evidence, &ev) == nil && (tf.f.InsiderDumpShare == nil || ev.SupplyShare > *tf.f.InsiderDumpShare) {
			tf.f.InsiderDumpShare = risk.F(ev.SupplyShare)
		}
	}
	if tf.f.LPRemovedByCreator == nil {
		// The LP's provider is not in view (collection began after
		// launch): the largest single removal of the pool in the last week
		// stands in. Only who holds most of the LP can take most of the
		// pool at once; the flag's evidence names the receiver.
		removals, err := st.Anomalies(ctx, store.AnomalyFilter{Token: key, Kinds: []string{anomaly.KindLiquidityRemoval}, From: asOf.Add(-7 * 24 * time.Hour), To: asOf, Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range removals {
			var ev struct {
				PoolShare float64 `json:"pool_share"`
				Receiver  string  `json:"receiver"`
			}
			if json.Unmarshal(r.Evidence, &ev) == nil && ev.PoolShare > 0 && (tf.f.LPRemovedByCreator == nil || ev.PoolShare > *tf.f.LPRemovedByCreator) {
				tf.f.LPRemovedByCreator = risk.F(ev.PoolShare)
				tf.lpRemover = ev.Receiver
			}
		}
	}
	aggs, err := st.SentimentAggregates(ctx, key, asOf.Add(-24*time.Hour), asOf)
	if err != nil {
		return err
	}
	var posts, spam float64
	for _, a := range aggs {
		if a.IntervalEnd.After(asOf) {
			continue
		}
		posts += float64(a.Volume)
		spam += a.SpamShare * float64(a.Volume)
	}
	if posts > 0 {
		tf.f.SpamShare = risk.F(spam / posts)
	}
	return nil
}
