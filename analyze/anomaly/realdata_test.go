package anomaly

import (
	"os"
	"sort"
	"testing"
	"time"

	"memepipe/internal/shareddata"
)

func scanFile(t testing.TB, cfg BarConfig, elem ...string) ([]Anomaly, Report) {
	t.Helper()
	p := shareddata.Path(t, elem...)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []Anomaly
	rep, err := ScanBars(f, elem[len(elem)-1], cfg, func(a Anomaly) error { evs = append(evs, a); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return evs, rep
}

// byScore orders events by score, highest first, ties by time.
func byScore(evs []Anomaly) []Anomaly {
	s := append([]Anomaly(nil), evs...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Score != s[j].Score {
			return s[i].Score > s[j].Score
		}
		return s[i].TS.Before(s[j].TS)
	})
	return s
}

// bestRank is the 1-based rank of the highest-scored event dated within
// [from, to], or 0 when none is.
func bestRank(ranked []Anomaly, from, to string) (int, Anomaly) {
	f, _ := time.Parse("2006-01-02", from)
	tt, _ := time.Parse("2006-01-02", to)
	for i, a := range ranked {
		if !a.TS.Before(f) && !a.TS.After(tt) {
			return i + 1, a
		}
	}
	return 0, Anomaly{}
}

func TestDOGEMovesRankHigh(t *testing.T) {
	evs, rep := scanFile(t, BarConfig{Token: "DOGE"}, "prices", "yahoo_DOGE-USD_daily_2014-09-17_2021-04-21.csv")
	t.Log(rep)
	ranked := byScore(evs)
	for i, a := range ranked[:min(25, len(ranked))] {
		t.Logf("%2d %s %-14s %7.2f %s %v", i+1, a.TS.Format("2006-01-02"), a.Kind, a.Score, a.Severity, a.Evidence)
	}
	jan, ja := bestRank(ranked, "2021-01-27", "2021-02-08")
	apr, aa := bestRank(ranked, "2021-04-12", "2021-04-21")
	t.Logf("late Jan 2021: rank %d of %d (%s %s %.2f); mid Apr 2021: rank %d (%s %s %.2f)", jan, len(ranked), ja.TS.Format("2006-01-02"), ja.Kind, ja.Score, apr, aa.TS.Format("2006-01-02"), aa.Kind, aa.Score)
}
