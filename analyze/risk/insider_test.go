package risk

import "testing"

func TestInsiderDumpFlag(t *testing.T) {
	cases := []struct {
		share    float64
		sev      Severity
		minScore float64
	}{
		{0.03, "", 0},
		{0.08, Warn, 15},
		{0.35, Critical, 90},
	}
	for _, c := range cases {
		flags := FactFlags(Facts{InsiderDumpShare: F(c.share)})
		if c.sev == "" {
			if HasFlag(flags, FlagInsiderDump) {
				t.Errorf("%v: flagged %+v", c.share, flags)
			}
			continue
		}
		if len(flags) != 1 || flags[0].Code != FlagInsiderDump || flags[0].Severity != c.sev || flags[0].Evidence["supply_share"] != c.share {
			t.Fatalf("%v: %+v", c.share, flags)
		}
		if a := Assess(flags); a.Score < c.minScore {
			t.Errorf("%v: score %.1f < %.0f", c.share, a.Score, c.minScore)
		}
	}
}
