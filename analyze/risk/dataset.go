package risk

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// RugFeatureNames are the 18 features of Kang et al.'s Uniswap V2 rug-pull
// data set (data/scams/kang_uniswap_rugpull_dataset_v1.9.csv), in the
// model's order. RugFeatures documents how memepipe computes each.
var RugFeatureNames = []string{
	"mint_count_per_week", "burn_count_per_week",
	"mint_ratio", "swap_ratio", "burn_ratio",
	"mint_mean_period", "swap_mean_period", "burn_mean_period",
	"swap_in_per_week", "swap_out_per_week", "swap_rate",
	"lp_avg", "lp_std", "lp_creator_holding_ratio", "lp_lock_ratio",
	"token_burn_ratio", "token_creator_holding_ratio",
	"number_of_token_creation_of_creator",
}

// Dataset is a labelled feature table.
type Dataset struct {
	IDs []string
	X   [][]float64
	Y   []float64 // 1 = rug pull
}

// LoadRugDataset reads Kang's CSV (UTF-8 with BOM; id, Label TRUE/FALSE and
// the 18 feature columns, found by name). A row with an unreadable number or
// label is an error naming the line: the data set is clean, so anything
// else means a wrong file.
func LoadRugDataset(r io.Reader, source string) (*Dataset, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", source, err)
	}
	cols, err := featureColumns(head, source)
	if err != nil {
		return nil, err
	}
	iID, iLabel := colIndex(head, "id"), colIndex(head, "label")
	if iLabel < 0 {
		return nil, fmt.Errorf("%s: no Label column", source)
	}
	ds := &Dataset{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		x, err := rowFeatures(rec, cols)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", source, line, err)
		}
		var y float64
		switch strings.ToUpper(strings.TrimSpace(rec[iLabel])) {
		case "TRUE", "1":
			y = 1
		case "FALSE", "0":
		default:
			return nil, fmt.Errorf("%s line %d: label %q is not TRUE/FALSE", source, line, rec[iLabel])
		}
		id := strconv.Itoa(line)
		if iID >= 0 {
			id = strings.ToLower(strings.TrimSpace(rec[iID]))
		}
		ds.IDs = append(ds.IDs, id)
		ds.X = append(ds.X, x)
		ds.Y = append(ds.Y, y)
	}
	return ds, nil
}

func colIndex(head []string, name string) int {
	for i, h := range head {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), name) {
			return i
		}
	}
	return -1
}

// featureColumns maps RugFeatureNames to column indexes in head. The
// original script's camel-case names (swapIn_per_week, LP_avg, Lock_ratio
// ...) are accepted too.
func featureColumns(head []string, source string) ([]int, error) {
	alias := map[string][]string{
		"swap_in_per_week":                    {"swapin_per_week"},
		"swap_out_per_week":                   {"swapout_per_week"},
		"lp_std":                              {"lp_stdev"},
		"lp_creator_holding_ratio":            {"lpcreator_holding_ratio"},
		"lp_lock_ratio":                       {"lock_ratio"},
		"token_creator_holding_ratio":         {"creator_token_holding_ratio"},
		"number_of_token_creation_of_creator": {"number_of_token_creation_of_creator"},
	}
	cols := make([]int, len(RugFeatureNames))
	var missing []string
	for j, name := range RugFeatureNames {
		cols[j] = colIndex(head, name)
		for _, a := range alias[name] {
			if cols[j] < 0 {
				cols[j] = colIndex(head, a)
			}
		}
		if cols[j] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing feature columns: %s", source, strings.Join(missing, ", "))
	}
	return cols, nil
}

func rowFeatures(rec []string, cols []int) ([]float64, error) {
	x := make([]float64, len(cols))
	for j, c := range cols {
		if c >= len(rec) {
			return nil, fmt.Errorf("%s: missing value", RugFeatureNames[j])
		}
		s := strings.TrimSpace(rec[c])
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: not a number: %q", RugFeatureNames[j], s)
		}
		x[j] = v
	}
	return x, nil
}

// Split holds row indexes of a train/test split.
type Split struct {
	Train, Test []int
}

// StratifiedSplit puts testShare of each class in the test part. Rows are
// ordered within their class by a seeded FNV hash of their id, so the split
// depends only on (seed, ids, labels), not on file order (for unique ids)
// or on a random generator's implementation: the test that checks the embedded model's
// held-out AUC recomputes exactly the rows the model never saw.
func StratifiedSplit(ds *Dataset, testShare float64, seed uint64) Split {
	key := func(i int) uint64 {
		h := fnv.New64a()
		var b [8]byte
		for k := range 8 {
			b[k] = byte(seed >> (8 * k))
		}
		h.Write(b[:])
		h.Write([]byte(ds.IDs[i]))
		return h.Sum64()
	}
	var s Split
	for _, cls := range []float64{0, 1} {
		var idx []int
		for i, y := range ds.Y {
			if y == cls {
				idx = append(idx, i)
			}
		}
		keys := make(map[int]uint64, len(idx))
		for _, i := range idx {
			keys[i] = key(i)
		}
		sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
		nTest := int(math.Round(testShare * float64(len(idx))))
		s.Test = append(s.Test, idx[:nTest]...)
		s.Train = append(s.Train, idx[nTest:]...)
	}
	sort.Ints(s.Train)
	sort.Ints(s.Test)
	return s
}

// Subset returns the rows idx of ds.
func (ds *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{}
	for _, i := range idx {
		out.IDs = append(out.IDs, ds.IDs[i])
		out.X = append(out.X, ds.X[i])
		out.Y = append(out.Y, ds.Y[i])
	}
	return out
}

// AUC of model m on ds.
func (m *Model) AUC(ds *Dataset) float64 {
	s := make([]float64, len(ds.X))
	for i, x := range ds.X {
		s[i] = m.Margin(x)
	}
	return ROCAUC(s, ds.Y)
}

// Folds splits ds into k stratified folds (by the same seeded id hash) for
// cross-validation; fold j's test part is every k-th row of each class.
func Folds(ds *Dataset, k int, seed uint64) []Split {
	folds := make([]Split, k)
	for _, cls := range []float64{0, 1} {
		var idx []int
		for i, y := range ds.Y {
			if y == cls {
				idx = append(idx, i)
			}
		}
		keys := make(map[int]uint64, len(idx))
		for _, i := range idx {
			h := fnv.New64a()
			fmt.Fprintf(h, "%d/%s", seed, ds.IDs[i])
			keys[i] = h.Sum64()
		}
		sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
		for r, i := range idx {
			for j := range folds {
				if r%k == j {
					folds[j].Test = append(folds[j].Test, i)
				} else {
					folds[j].Train = append(folds[j].Train, i)
				}
			}
		}
	}
	return folds
}
