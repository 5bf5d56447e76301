package score

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"memepipe/analytics"
	"memepipe/watchlist"
)

func ranking(t testing.TB, n int) []analytics.IntegratedScore {
	t.Helper()
	var inputs []Input
	for i := range n {
		in := Input{Token: watchlist.Token{Symbol: fmt.Sprintf("T%03d", i), Chain: "ethereum", Address: fmt.Sprintf("0x%040x", i+1)},
			Risk: riskAt(float64(i % 101)), AnomaliesScanned: i%2 == 0}
		if i%3 == 0 {
			in.Sentiment = bullish()
		}
		if i%5 == 0 {
			in.Flags = []analytics.RiskFlag{rflag(FlagLPRemoved, "critical"), rflag("top10_concentration", "warn"), rflag("lp_not_locked", "warn"), rflag("new_token", "warn")}
		}
		inputs = append(inputs, in)
	}
	res, err := Defaults().Rank(asOf, inputs)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func TestEncodeCSV(t *testing.T) {
	rows := ranking(t, 6)
	var b bytes.Buffer
	if err := EncodeCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], CSVHeader) || len(recs) != 7 {
		t.Fatalf("header %v, %d records", recs[0], len(recs))
	}
	want := strings.Join(CSVHeader, ",")
	if want != "token,symbol,chain,address,as_of,sentiment_score,momentum_score,anomaly_score,risk_score,integrated_score,rank,flags" {
		t.Errorf("header = %s", want)
	}
	byToken := map[string][]string{}
	for _, r := range recs[1:] {
		byToken[r[1]] = r
	}
	// T001: risk 1 only (no texts, not scanned): 99.0, rank 1.
	if got := byToken["T001"]; !slices.Equal(got, []string{"ethereum:0x0000000000000000000000000000000000000002", "T001", "ethereum",
		"0x0000000000000000000000000000000000000002", "2026-11-28T19:00:00Z", "", "", "", "1.0", "99.0", "1", ""}) {
		t.Errorf("T001 = %q", got)
	}
	// T000: sentiment 74.3, anomaly 0, risk 0, but the creator pulled the LP.
	if got := byToken["T000"]; !slices.Equal(got[5:], []string{"74.3", "", "0.0", "0.0", "5.0", "5", "lp_removed_by_creator;lp_not_locked;new_token"}) {
		t.Errorf("T000 = %q", got)
	}
}

func TestWriteCSVCreatesDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out", "nested", "integrated_scores.csv")
	if err := WriteCSV(path, ranking(t, 3)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 4 || !slices.Equal(recs[0], CSVHeader) {
		t.Errorf("file: %d records, %v", len(recs), err)
	}
	// An empty ranking is a header only.
	if err := WriteCSV(path, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != strings.Join(CSVHeader, ",")+"\n" {
		t.Errorf("empty ranking: %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the CSV (no temp files left)", len(entries))
	}
}

// The default path is ./out/integrated_scores.csv, relative to the working
// directory.
func TestWriteCSVDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteCSV("", ranking(t, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("out", "integrated_scores.csv")); err != nil {
		t.Error(err)
	}
}

func TestWriteCSVFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails, and the temp file goes.
	target := filepath.Join(dir, "integrated_scores.csv")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteCSV(target, ranking(t, 2))
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Errorf("write over a directory: %v, want an error naming the path", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries left in %s, want the directory only", len(entries), dir)
	}
}

// Readers polling the file while it is rewritten always parse a complete
// file: the header and all rows of one version or the other.
func TestWriteCSVAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "integrated_scores.csv")
	versions := [][]analytics.IntegratedScore{ranking(t, 40), ranking(t, 400)}
	if err := WriteCSV(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				b, err := os.ReadFile(path)
				if err != nil {
					errs <- err
					return
				}
				recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
				if err != nil {
					errs <- fmt.Errorf("partial file (%d bytes): %v", len(b), err)
					return
				}
				if len(recs) == 0 || !slices.Equal(recs[0], CSVHeader) || (len(recs) != 41 && len(recs) != 401) ||
					recs[len(recs)-1][10] != fmt.Sprint(len(recs)-1) {
					errs <- fmt.Errorf("partial file: %d records", len(recs))
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := range 60 {
		if err := WriteCSV(path, versions[(i+1)%2]); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Errorf("readers never read the file")
	}
	t.Logf("%d complete reads during 60 rewrites", reads.Load())
}
