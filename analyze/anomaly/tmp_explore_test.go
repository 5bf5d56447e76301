package anomaly

import "testing"

func TestExplore(t *testing.T) {
	for _, f := range []string{"yfinance_SHIB-USD-1d_to_2022-02-14.csv", "yfinance_DOGE-USD-1d_to_2022-02-14.csv", "coinbase_DOGE-USD_1min_2023-11-27_2023-12-29.csv"} {
		evs, rep := scanFile(t, BarConfig{Token: "X"}, "prices", f)
		t.Log(rep)
		kinds := map[string]int{}
		sev := map[Severity]int{}
		for _, a := range evs {
			kinds[a.Kind]++
			sev[a.Severity]++
		}
		t.Log(kinds, sev)
		for i, a := range byScore(evs)[:10] {
			t.Logf("%2d %s %-14s %7.2f %s %v", i+1, a.TS.Format("2006-01-02 15:04"), a.Kind, a.Score, a.Severity, a.Evidence)
		}
	}
}
