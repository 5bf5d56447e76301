package risk

import "math"

// Assessment is a token's risk: the flags with their evidence and one score.
type Assessment struct {
	Score float64 `json:"risk_score"` // 0 (no known risk) to 100
	Flags []Flag  `json:"flags"`
}

// flagWeight is how much one flag alone moves the score toward 100.
// Critical facts are weighted by how directly they take money: a creator
// who removed the liquidity or a coded sell block is a rug, not a risk.
var flagWeight = map[string]float64{
	FlagLPRemoved:      0.95,
	FlagInsiderDump:    0.9,
	FlagHoneypot:       0.9,
	FlagSellRestricted: 0.85,
	FlagBalanceChange:  0.8,
	FlagMint:           0.7,
	FlagFeeUnbounded:   0.6,
	FlagBlacklist:      0.6,
	FlagUnverified:     0.5,
	FlagSelfdestruct:   0.5,
}

// severityWeight applies to flags without their own weight.
var severityWeight = map[Severity]float64{Info: 0.02, Warn: 0.15, Critical: 0.4}

// Hard facts set a floor under the score instead of being averaged away.
var floors = map[string]float64{
	FlagLPRemoved:      95,
	FlagInsiderDump:    90,
	FlagHoneypot:       90,
	FlagSellRestricted: 85,
	FlagBalanceChange:  80,
	FlagMint:           70,
}

// Assess combines flags into a 0-100 score: 100*(1 - prod(1 - w_i)), with
// w_i the flag's weight (flagWeight for the named rug mechanics, else by
// severity; a flag downgraded to info, e.g. an owner power after the
// ownership was renounced, counts as info), then raised to the floor of any
// critical hard fact. The rug model's probability enters as a flag of
// weight 0.9*p, so a confident model alone reaches about 90. Independent
// evidence compounds; nothing is averaged away.
func Assess(flags ...[]Flag) Assessment {
	var all []Flag
	for _, fs := range flags {
		all = append(all, fs...)
	}
	sortFlags(all)
	keep := 1.0
	floor := 0.0
	for _, f := range all {
		w := severityWeight[f.Severity]
		if f.Severity != Info {
			if fw, ok := flagWeight[f.Code]; ok && f.Severity == Critical {
				w = fw
			}
			if f.Code == FlagRugModel {
				if p, ok := f.Evidence["probability"].(float64); ok {
					w = 0.9 * p
				}
			}
		}
		keep *= 1 - w
		if f.Severity == Critical && floors[f.Code] > floor {
			floor = floors[f.Code]
		}
	}
	score := math.Max(100*(1-keep), floor)
	return Assessment{Score: math.Round(score*10) / 10, Flags: all}
}
