package sentiment

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files of the labelled data sets, relative to the shared data folder.
var (
	FinancialTweetsFile = filepath.Join("sentiment", "twitter-financial-news-sentiment", "sent_train.csv")
	CryptoCommentsFile  = filepath.Join("sentiment", "surge-ai_crypto-sentiment.csv")
	SpamTweetsFile      = filepath.Join("sentiment", "crypto_tweets_spam_prodigy.jsonl")
)

// Example is one human-labelled text. Labels are "positive", "negative",
// "neutral" for sentiment (bullish, bearish, neutral for the financial
// tweets), and "spam", "ham" for the spam set.
type Example struct {
	Text  string
	Label string
}

// Dataset is a labelled set split into train, dev and test parts.
type Dataset struct {
	Name             string
	Train, Dev, Test []Example
	Dropped          int // duplicate and near-duplicate rows removed before splitting
}

// All is every labelled row: train, dev and test.
func (d Dataset) All() []Example {
	return append(append(append([]Example(nil), d.Train...), d.Dev...), d.Test...)
}

// Split fractions: 60% train, 20% dev (model selection), 20% test (reported).
const trainFrac, devFrac = 0.6, 0.2

// LoadFinancialTweets reads the Twitter Financial News set (text,label with
// 0=Bearish, 1=Bullish, 2=Neutral) and maps stance onto the output labels:
// bullish -> positive, bearish -> negative.
func LoadFinancialTweets(path string) ([]Example, error) {
	rows, err := readCSVColumns(path, "text", "label")
	if err != nil {
		return nil, err
	}
	out := make([]Example, 0, len(rows))
	for i, r := range rows {
		var l string
		switch r[1] {
		case "0":
			l = "negative"
		case "1":
			l = "positive"
		case "2":
			l = "neutral"
		default:
			return nil, fmt.Errorf("%s: record %d: label %q is not 0, 1 or 2", path, i+2, r[1])
		}
		out = append(out, Example{Text: r[0], Label: l})
	}
	return out, nil
}

// LoadCryptoComments reads the Surge AI crypto comments (Comment Text,
// Sentiment in Positive/Negative).
func LoadCryptoComments(path string) ([]Example, error) {
	rows, err := readCSVColumns(path, "Comment Text", "Sentiment")
	if err != nil {
		return nil, err
	}
	out := make([]Example, 0, len(rows))
	for i, r := range rows {
		l := strings.ToLower(strings.TrimSpace(r[1]))
		if l != "positive" && l != "negative" {
			return nil, fmt.Errorf("%s: record %d: sentiment %q is not Positive or Negative", path, i+2, r[1])
		}
		out = append(out, Example{Text: strings.TrimSpace(r[0]), Label: l})
	}
	return out, nil
}

// LoadSpamTweets reads the Prodigy spam annotations: answer "accept" means
// spam, "reject" not spam; "ignore" rows are skipped.
func LoadSpamTweets(path string) ([]Example, error) {
	posts, err := LoadSpamPosts(path)
	if err != nil {
		return nil, err
	}
	out := make([]Example, len(posts))
	for i, p := range posts {
		out[i] = p.Example
	}
	return out, nil
}

func readCSVColumns(path string, cols ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = indexOf(header, c)
		if idx[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q in header %q", path, c, header)
		}
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := make([]string, len(cols))
		for i, j := range idx {
			row[i] = rec[j]
		}
		out = append(out, row)
	}
	return out, nil
}

// indexOf finds col in a CSV header, ignoring case, surrounding spaces and
// a byte-order mark.
func indexOf(header []string, col string) int {
	for i, h := range header {
		if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(h), "\ufeff"), col) {
			return i
		}
	}
	return -1
}

// SplitStratified splits examples into train, dev and test, per label, in
// the order of a seeded hash of the text. The split depends only on the
// seed and the texts (not on file order), and identical texts always land in
// the same part, so duplicates cannot leak from train into test.
func SplitStratified(name string, ex []Example, seed uint64) Dataset {
	ds := Dataset{Name: name}
	for _, parts := range splitOrder(ex, seed) {
		for p, dst := range []*[]Example{&ds.Train, &ds.Dev, &ds.Test} {
			for _, i := range parts[p] {
				*dst = append(*dst, ex[i])
			}
		}
	}
	return ds
}

// splitOrder is SplitStratified's cut as indices into ex: for each label
// (sorted), the rows of its train, dev and test parts in hash order.
func splitOrder(ex []Example, seed uint64) [][3][]int {
	byLabel := map[string][]int{}
	var labels []string
	for i, e := range ex {
		if _, ok := byLabel[e.Label]; !ok {
			labels = append(labels, e.Label)
		}
		byLabel[e.Label] = append(byLabel[e.Label], i)
	}
	sort.Strings(labels)
	var out [][3][]int
	for _, l := range labels {
		rows := byLabel[l]
		key := func(i int) uint64 { return mix64(hashStr(fnvOffset^seed, ex[i].Text)) }
		sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
		nTrain := int(float64(len(rows))*trainFrac + 0.5)
		nDev := int(float64(len(rows))*devFrac + 0.5)
		// keep runs of one text together at the cut points
		same := func(a, b int) bool { return ex[rows[a]].Text == ex[rows[b]].Text }
		for nTrain < len(rows) && nTrain > 0 && same(nTrain, nTrain-1) {
			nTrain++
		}
		end := min(nTrain+nDev, len(rows))
		for end < len(rows) && end > 0 && same(end, end-1) {
			end++
		}
		out = append(out, [3][]int{rows[:nTrain], rows[nTrain:end], rows[end:]})
	}
	return out
}

// mix64 is the splitmix64 finaliser: it spreads FNV's low-entropy high bits.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Dedupe keeps one row of each group of duplicates before splitting, so a
// text and its copy cannot sit on both sides of a split or of a
// cross-validation fold. Rows are grouped by key(text); with jaccard > 0,
// groups whose keys share at least that share of their distinct words (and
// have three or more) are merged too. Each group keeps its smallest text,
// so the outcome does not depend on row order. It returns the kept rows in
// their original order and the number dropped.
func Dedupe(ex []Example, key func(string) string, jaccard float64) ([]Example, int) {
	uf := duplicateGroups(ex, key, jaccard)
	all := make([]int, len(ex))
	for i := range all {
		all[i] = i
	}
	kept := smallestOfGroups(all, uf.find, func(i int) string { return ex[i].Text })
	out := make([]Example, len(kept))
	for j, i := range kept {
		out[j] = ex[i]
	}
	return out, len(ex) - len(out)
}

// smallestOfGroups returns, of rows, the one with the smallest text in
// each group (the first of equals), in ascending order: the row that
// stands for its group, whatever the row order.
func smallestOfGroups(rows []int, group func(int) int, text func(int) string) []int {
	keep := map[int]int{} // group -> row kept
	for _, i := range rows {
		g := group(i)
		if k, ok := keep[g]; !ok || text(i) < text(k) {
			keep[g] = i
		}
	}
	out := make([]int, 0, len(keep))
	for _, i := range keep {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// duplicateGroups joins the rows of ex that Dedupe treats as one: same
// key(text), or (jaccard > 0) keys sharing that share of their words.
func duplicateGroups(ex []Example, key func(string) string, jaccard float64) unionFind {
	uf := newUnionFind(len(ex))
	keys := make([]string, len(ex))
	first := map[string]int{} // key -> first row with it
	var heads []int           // first row of each distinct key
	for i, e := range ex {
		keys[i] = key(e.Text)
		if j, ok := first[keys[i]]; ok {
			uf.union(i, j)
			continue
		}
		first[keys[i]] = i
		heads = append(heads, i)
	}
	if jaccard > 0 {
		sets := make([]map[string]bool, len(heads))
		for g, i := range heads {
			sets[g] = map[string]bool{}
			for _, w := range strings.Fields(keys[i]) {
				sets[g][w] = true
			}
		}
		for a := range heads {
			for b := a + 1; b < len(heads); b++ {
				if len(sets[a]) < 3 || len(sets[b]) < 3 {
					continue
				}
				inter := 0
				for w := range sets[a] {
					if sets[b][w] {
						inter++
					}
				}
				if float64(inter) >= jaccard*float64(len(sets[a])+len(sets[b])-inter) {
					uf.union(heads[a], heads[b])
				}
			}
		}
	}
	return uf
}

// unionFind is a disjoint-set forest over 0..n-1.
type unionFind []int

func newUnionFind(n int) unionFind {
	uf := make(unionFind, n)
	for i := range uf {
		uf[i] = i
	}
	return uf
}

func (uf unionFind) find(i int) int {
	for uf[i] != i {
		uf[i] = uf[uf[i]]
		i = uf[i]
	}
	return i
}

func (uf unionFind) union(a, b int) { uf[uf.find(a)] = uf.find(b) }

// TextKey is the exact-duplicate key: lower case, words only.
func TextKey(text string) string {
	var b strings.Builder
	for _, t := range tokenize(text) {
		if t.Kind == kindPunct {
			continue
		}
		b.WriteString(t.Lower)
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

// TemplateKey is the near-duplicate key of bot and promotion text: the
// words left once links, mentions, cashtags, numbers, emoji and
// punctuation are removed, so a price bot's posts for different coins and
// prices, or one promotion with rotating ticker lists, share a key. Texts
// with no words at all fall back to TextKey.
func TemplateKey(text string) string {
	var b strings.Builder
	for _, t := range tokenize(html.UnescapeString(text)) {
		if t.Kind != kindWord || isDigitsOrUnit(t.Lower) {
			continue
		}
		b.WriteString(t.Lower)
		b.WriteByte(' ')
	}
	if b.Len() == 0 {
		return TextKey(text)
	}
	return strings.TrimSpace(b.String())
}

// isDigitsOrUnit: "24h", "1000", "5m" are numbers in a template.
func isDigitsOrUnit(w string) bool {
	return w != "" && w[0] >= '0' && w[0] <= '9' && len(strings.TrimLeft(w, "0123456789.,")) <= 1
}
