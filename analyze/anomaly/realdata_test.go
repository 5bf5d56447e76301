package anomaly

import (
	"math"
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

// perDay keeps each day's best event: the ranking of days.
func perDay(ranked []Anomaly) []Anomaly {
	seen := map[string]bool{}
	var out []Anomaly
	for _, a := range ranked {
		d := a.TS.Format("2006-01-02")
		if !seen[d] {
			seen[d] = true
			out = append(out, a)
		}
	}
	return out
}

// The DOGE moves of late January 2021 (Reddit/WSB, a Binance DOGE/BTC pump
// announced for 2021-01-30 13:00 in data/pump-and-dump) and mid April 2021
// must rank high among the daily bar detector's events.
func TestDOGEMovesRankHigh(t *testing.T) {
	evs, rep := scanFile(t, BarConfig{Token: "DOGE"}, "prices", "yahoo_DOGE-USD_daily_2014-09-17_2021-04-21.csv")
	if rep.Used != 2405 || rep.Reasons["missing price"] != 4 {
		t.Errorf("report %v, want 2405 used and the 4 null rows skipped", rep)
	}
	ranked := byScore(evs)
	days := perDay(ranked)
	jan, ja := bestRank(ranked, "2021-01-27", "2021-02-08")
	apr, aa := bestRank(ranked, "2021-04-12", "2021-04-21")
	janD, _ := bestRank(days, "2021-01-27", "2021-02-08")
	aprD, _ := bestRank(days, "2021-04-12", "2021-04-21")
	t.Logf("%d events on %d days; late Jan 2021: event rank %d, day rank %d (%s %s %.2f); mid Apr 2021: event rank %d, day rank %d (%s %s %.2f)",
		len(ranked), len(days), jan, janD, ja.TS.Format("2006-01-02"), ja.Kind, ja.Score, apr, aprD, aa.TS.Format("2006-01-02"), aa.Kind, aa.Score)
	if jan == 0 || jan > 3 {
		t.Errorf("late January 2021 ranks %d, want top 3", jan)
	}
	if apr == 0 || apr > 20 || aprD > 12 {
		t.Errorf("mid April 2021 ranks %d (day %d), want top 20 events / top 12 days", apr, aprD)
	}
	if ja.TS.Format("2006-01-02") != "2021-01-29" || aa.TS.Format("2006-01-02") != "2021-04-16" {
		t.Errorf("best events on %s and %s, want 2021-01-29 and 2021-04-16", ja.TS.Format("2006-01-02"), aa.TS.Format("2006-01-02"))
	}
}

func TestRealFilesParseAndStayFinite(t *testing.T) {
	cases := []struct {
		file     string
		used     int
		reasons  map[string]int
		reversed bool
	}{
		// yfinance: empty rows before the first trade; SHIB's rounded zero prices.
		{"yfinance_SHIB-USD-1d_to_2022-02-14.csv", 304, map[string]int{"empty row": 2145, "non-positive price": 259}, false},
		{"yfinance_DOGE-USD-1d_to_2022-02-14.csv", 1559, map[string]int{"empty row": 1149}, false},
		// Coinbase: newest first, with 297 rows repeated at a page boundary
		// (replayed oldest-first they step back in time once, then repeat).
		{"coinbase_DOGE-USD_1min_2023-11-27_2023-12-29.csv", 46591, map[string]int{"duplicate time": 1, "out of order": 296}, true},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			evs, rep := scanFile(t, BarConfig{}, "prices", c.file)
			if rep.Used != c.used || rep.Reversed != c.reversed {
				t.Errorf("report %v (reversed %v), want %d used, reversed %v", rep, rep.Reversed, c.used, c.reversed)
			}
			for k, v := range c.reasons {
				if rep.Reasons[k] != v {
					t.Errorf("reason %q: %d, want %d", k, rep.Reasons[k], v)
				}
			}
			if len(evs) == 0 {
				t.Fatal("no events on a real meme-coin series")
			}
			for _, a := range evs {
				if math.IsInf(a.Score, 0) || math.IsNaN(a.Score) || a.Score <= 0 {
					t.Fatalf("bad score %+v", a)
				}
			}
		})
	}
}
