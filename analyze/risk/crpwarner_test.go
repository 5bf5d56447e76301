package risk

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"memepipe/internal/shareddata"
)

// CRPWarner's ground truth (data/scams/crpwarner) labels 69 rug-pull token
// contracts with the rug functions they contain (Mint, Leak, Limit), but the
// file is an address list: it cannot check contract flags by itself. The
// verified sources are in github.com/CRPWarner/RugPull under
// dataset/groundtruth/sol; with them extracted to a folder (one
// <address>.sol each), this test measures the flags against the labels:
//
//	MEMEPIPE_CRPWARNER_SOL=/path/to/sol go test ./analyze/risk -run CRPWarner -v
func TestCRPWarnerGroundTruth(t *testing.T) {
	dir := os.Getenv("MEMEPIPE_CRPWARNER_SOL")
	if dir == "" {
		t.Skip("MEMEPIPE_CRPWARNER_SOL not set (folder of CRPWarner ground-truth .sol files)")
	}
	f, err := os.Open(shareddata.Path(t, "scams", "crpwarner", "crpwarner_groundtruth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	preds := map[string][]string{
		"Mint":  {FlagMint},
		"Leak":  {FlagBalanceChange},
		"Limit": {FlagSellRestricted, FlagFeeUnbounded, FlagMaxTxUnbounded, FlagBlacklist, FlagPause},
	}
	type conf struct{ tp, fp, fn, tn int }
	res := map[string]*conf{"Mint": {}, "Leak": {}, "Limit": {}}
	n := 0
	for _, r := range rows[1:] {
		src, err := os.ReadFile(filepath.Join(dir, r[0]+".sol"))
		if err != nil {
			continue
		}
		n++
		got := codes(ContractFlags(ContractInput{Source: ContractSource{SourceCode: string(src), ABI: "[]"}}))
		var line []string
		for i, label := range []string{"Mint", "Leak", "Limit"} {
			want := r[1+i] == "1"
			hit := false
			for _, c := range preds[label] {
				if _, ok := got[c]; ok {
					hit = true
				}
			}
			c := res[label]
			switch {
			case want && hit:
				c.tp++
			case want:
				c.fn++
				line = append(line, "missed "+label)
			case hit:
				c.fp++
				line = append(line, "extra "+label)
			default:
				c.tn++
			}
		}
		if len(line) > 0 {
			t.Logf("%s: %s (flags %v)", r[0], strings.Join(line, ", "), got)
		}
	}
	for _, label := range []string{"Mint", "Leak", "Limit"} {
		c := res[label]
		p := float64(c.tp) / float64(max(1, c.tp+c.fp))
		rc := float64(c.tp) / float64(max(1, c.tp+c.fn))
		t.Logf("%-5s on %d contracts: tp %d fp %d fn %d tn %d, precision %.2f recall %.2f", label, n, c.tp, c.fp, c.fn, c.tn, p, rc)
	}
	if n < 60 {
		t.Fatalf("only %d sources found in %s", n, dir)
	}
}
