package sentiment

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
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
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var rec struct {
			Text   string `json:"text"`
			Answer string `json:"answer"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		switch rec.Answer {
		case "accept":
			out = append(out, Example{Text: rec.Text, Label: "spam"})
		case "reject":
			out = append(out, Example{Text: rec.Text, Label: "ham"})
		case "ignore":
		default:
			return nil, fmt.Errorf("%s:%d: answer %q is not accept, reject or ignore", path, line, rec.Answer)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
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

func indexOf(header []string, col string) int {
	for i, h := range header {
		if strings.TrimPrefix(strings.TrimSpace(h), "\ufeff") == col {
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
	byLabel := map[string][]Example{}
	var labels []string
	for _, e := range ex {
		if _, ok := byLabel[e.Label]; !ok {
			labels = append(labels, e.Label)
		}
		byLabel[e.Label] = append(byLabel[e.Label], e)
	}
	sort.Strings(labels)
	ds := Dataset{Name: name}
	for _, l := range labels {
		rows := byLabel[l]
		key := func(e Example) uint64 { return mix64(hashStr(fnvOffset^seed, e.Text)) }
		sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
		nTrain := int(float64(len(rows))*trainFrac + 0.5)
		nDev := int(float64(len(rows))*devFrac + 0.5)
		// keep runs of one text together at the cut points
		for nTrain < len(rows) && nTrain > 0 && rows[nTrain].Text == rows[nTrain-1].Text {
			nTrain++
		}
		end := min(nTrain+nDev, len(rows))
		for end < len(rows) && end > 0 && rows[end].Text == rows[end-1].Text {
			end++
		}
		ds.Train = append(ds.Train, rows[:nTrain]...)
		ds.Dev = append(ds.Dev, rows[nTrain:end]...)
		ds.Test = append(ds.Test, rows[end:]...)
	}
	return ds
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
	keys := make([]string, len(ex))
	first := map[string]int{} // key -> group id
	var groups [][]int
	for i, e := range ex {
		keys[i] = key(e.Text)
		g, ok := first[keys[i]]
		if !ok {
			g = len(groups)
			first[keys[i]] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	parent := make([]int, len(groups))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	if jaccard > 0 {
		sets := make([]map[string]bool, len(groups))
		for g, rows := range groups {
			sets[g] = map[string]bool{}
			for _, w := range strings.Fields(keys[rows[0]]) {
				sets[g][w] = true
			}
		}
		for a := range groups {
			for b := a + 1; b < len(groups); b++ {
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
					parent[find(a)] = find(b)
				}
			}
		}
	}
	keep := map[int]int{} // root -> row kept
	for g, rows := range groups {
		r := find(g)
		for _, i := range rows {
			if k, ok := keep[r]; !ok || ex[i].Text < ex[k].Text {
				keep[r] = i
			}
		}
	}
	kept := make([]bool, len(ex))
	for _, i := range keep {
		kept[i] = true
	}
	out := make([]Example, 0, len(keep))
	for i, e := range ex {
		if kept[i] {
			out = append(out, e)
		}
	}
	return out, len(ex) - len(out)
}

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
