package risk

import "sort"

// Severity grades a risk flag.
type Severity string

const (
	Info     Severity = "info"
	Warn     Severity = "warn"
	Critical Severity = "critical"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// Flag is one risk finding with the evidence that raised it.
type Flag struct {
	Code     string         `json:"code"`
	Severity Severity       `json:"severity"`
	Title    string         `json:"title"`
	Evidence map[string]any `json:"evidence,omitempty"`
}

// Flag codes.
const (
	FlagUnverified        = "unverified"
	FlagMint              = "owner_can_mint"
	FlagBalanceChange     = "owner_can_change_balance"
	FlagBlacklist         = "owner_blacklist"
	FlagWhitelist         = "owner_whitelist"
	FlagFeeExemption      = "owner_fee_exemption"
	FlagPause             = "owner_can_pause_trading"
	FlagFeeUnbounded      = "adjustable_fee_unbounded"
	FlagFeeBounded        = "adjustable_fee_bounded"
	FlagMaxTxUnbounded    = "adjustable_max_tx_unbounded"
	FlagMaxTxBounded      = "adjustable_max_tx_bounded"
	FlagCooldown          = "transfer_cooldown"
	FlagSellRestricted    = "sell_restricted"
	FlagProxy             = "proxy_upgradeable"
	FlagSelfdestruct      = "selfdestruct"
	FlagOwnerNotRenounced = "owner_not_renounced"
	FlagOwnershipUnknown  = "ownership_unknown"
	FlagTop10             = "top10_concentration"
	FlagCreatorTokens     = "creator_token_share"
	FlagCreatorLP         = "creator_holds_lp"
	FlagLPUnlocked        = "lp_not_locked"
	FlagLPRemoved         = "lp_removed_by_creator"
	FlagInsiderDump       = "insider_dump"
	FlagHoneypot          = "only_owner_sells"
	FlagNewToken          = "new_token"
	FlagLowLiquidity      = "low_liquidity"
	FlagPumpAndDump       = "recent_pump_and_dump"
	FlagSpamSentiment     = "spam_driven_sentiment"
	FlagRugModel          = "rug_model"
)

// sortFlags orders flags by severity, then code, so output is stable.
func sortFlags(fs []Flag) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity.rank() != fs[j].Severity.rank() {
			return fs[i].Severity.rank() > fs[j].Severity.rank()
		}
		return fs[i].Code < fs[j].Code
	})
}

// HasFlag reports whether fs holds a flag with code.
func HasFlag(fs []Flag, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}
