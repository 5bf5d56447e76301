package main

// The offline commands on the real data files, through the real binary:
// the contract is their columns, that bad rows are reported with line
// numbers and skipped, and that nothing crashes.

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"memepipe/internal/shareddata"
)

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%.500s", err, body)
	}
	return recs
}

func TestSentimentScoreRealComments(t *testing.T) {
	in := shareddata.Path(t, "sentiment", "surge-ai_crypto-sentiment.csv")
	out := filepath.Join(t.TempDir(), "scored.csv")
	r := memepipe(t, t.TempDir(), nil, "sentiment", "score", "--in", in, "--text-col", "Comment Text", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(in)
	inRecs := readCSV(t, string(raw))
	recs := readCSV(t, string(body))
	if len(recs) != len(inRecs) {
		t.Fatalf("%d rows out, %d in", len(recs), len(inRecs))
	}
	if got := strings.Join(recs[0], ","); got != "Comment Text,Sentiment,URL,label,compound,spam_score,valence" {
		t.Fatalf("header %q", got)
	}
	// The model agrees with the human labels on most comments (the
	// measured accuracy is in docs/ANALYTICS.md; this guards the wiring).
	agree, labelled := 0, 0
	for _, rec := range recs[1:] {
		c, err := strconv.ParseFloat(rec[4], 64)
		s, err2 := strconv.ParseFloat(rec[5], 64)
		if err != nil || err2 != nil || c < -1 || c > 1 || s < 0 || s > 1 {
			t.Fatalf("row %v: compound/spam_score out of range", rec)
		}
		switch rec[3] {
		case "positive", "negative", "neutral":
		default:
			t.Fatalf("label %q", rec[3])
		}
		if rec[1] == "Positive" || rec[1] == "Negative" {
			labelled++
			if (rec[1] == "Positive") == (c > 0) {
				agree++
			}
		}
	}
	if float64(agree) < 0.7*float64(labelled) {
		t.Errorf("compound sign agrees with %d of %d human labels", agree, labelled)
	}
	if !strings.Contains(r.stderr, "279 rows scored, 0 skipped") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// With --head valence the label column is the binary reading a
// positive/negative evaluation compares with the human labels.
func TestSentimentScoreValenceHead(t *testing.T) {
	in := shareddata.Path(t, "sentiment", "surge-ai_crypto-sentiment.csv")
	r := memepipe(t, t.TempDir(), nil, "sentiment", "score", "--in", in, "--text-col", "Comment Text", "--head", "valence")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs := readCSV(t, r.stdout)
	if got := strings.Join(recs[0], ","); got != "Comment Text,Sentiment,URL,label,compound,spam_score,valence" {
		t.Fatalf("header %q", got)
	}
	agree := 0
	for _, rec := range recs[1:] {
		v, err := strconv.ParseFloat(rec[6], 64)
		if err != nil || rec[4] != rec[6] {
			t.Fatalf("row %v: compound is not the valence", rec)
		}
		want := "negative"
		if v >= 0 {
			want = "positive"
		}
		if rec[3] != want {
			t.Fatalf("row %v: label %q, want %q for valence %.4f", rec, rec[3], want, v)
		}
		if strings.EqualFold(rec[1], rec[3]) {
			agree++
		}
	}
	// The shipped valence head was fitted on these very rows, so this is
	// no accuracy measure (docs/ANALYTICS.md has the held-out one); it
	// guards the wiring: a stance label or a flipped sign would fail it.
	if n := len(recs) - 1; float64(agree) < 0.9*float64(n) {
		t.Errorf("valence label agrees with %d of %d human labels", agree, n)
	}
	if r := memepipe(t, t.TempDir(), nil, "sentiment", "score", "--in", in, "--head", "mood"); r.code != 2 || !strings.Contains(r.stderr, "want auto, stance or valence") {
		t.Errorf("bad --head: exit %d %q", r.code, r.stderr)
	}
}

func TestSentimentScoreSkipsBadRows(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "posts.csv")
	writeFile(t, in, "id,text\n1,wagmi 🚀🚀 to the moon\n2,too,many,fields\n3,\"honeypot, cannot sell, avoid\"\n4,\"broken \"quote\" here\n")
	r := memepipe(t, dir, nil, "sentiment", "score", "--in", in)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs := readCSV(t, r.stdout)
	if len(recs) != 3 || recs[1][0] != "1" || recs[2][0] != "3" {
		t.Fatalf("rows %v", recs)
	}
	if recs[1][2] != "positive" || recs[2][2] != "negative" {
		t.Errorf("labels %q %q", recs[1][2], recs[2][2])
	}
	for _, want := range []string{"posts.csv line 3: 4 fields, the header has 2", "posts.csv line 5:", "2 rows scored, 2 skipped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := memepipe(t, dir, nil, "sentiment", "score", "--in", in, "--text-col", "body"); r.code != 1 || !strings.Contains(r.stderr, `no column "body"`) {
		t.Errorf("missing column: exit %d %q", r.code, r.stderr)
	}
	if r := memepipe(t, dir, nil, "sentiment", "score"); r.code != 2 {
		t.Errorf("no --in: exit %d", r.code)
	}
}

func TestAnomalyDetectRealBars(t *testing.T) {
	dir := t.TempDir()
	// Yahoo's daily DOGE export as it is: the late-January 2021 move must
	// be among the events.
	doge := shareddata.Path(t, "prices", "yahoo_DOGE-USD_daily_2014-09-17_2021-04-21.csv")
	r := memepipe(t, dir, nil, "anomaly", "detect", "--bars", doge)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs := readCSV(t, r.stdout)
	if got := strings.Join(recs[0][:4], ","); got != "ts,kind,score,severity" {
		t.Fatalf("header %v", recs[0])
	}
	jan := false
	for _, rec := range recs[1:] {
		if strings.HasPrefix(rec[0], "2021-01-2") || strings.HasPrefix(rec[0], "2021-01-3") {
			jan = true
		}
		if s, err := strconv.ParseFloat(rec[2], 64); err != nil || s <= 0 || strings.Contains(rec[5], "Inf") {
			t.Fatalf("event %v", rec)
		}
	}
	if !jan {
		t.Errorf("no event in late January 2021 among %d", len(recs)-1)
	}

	// SHIB from yfinance: empty rows before listing and prices rounded to
	// 0.000000 are skipped and reported with line numbers, not turned
	// into infinite returns.
	shib := shareddata.Path(t, "prices", "yfinance_SHIB-USD-1d_to_2022-02-14.csv")
	out := filepath.Join(dir, "events.csv")
	r = memepipe(t, dir, nil, "anomaly", "detect", "--bars", shib, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "SHIB-USD-1d_to_2022-02-14.csv line 2: empty row") || !strings.Contains(r.stderr, "non-positive price=") {
		t.Errorf("stderr %q", r.stderr)
	}
	body, _ := os.ReadFile(out)
	if recs := readCSV(t, string(body)); len(recs) < 2 || strings.Contains(string(body), "Inf") || strings.Contains(string(body), "NaN") {
		t.Errorf("events file: %d rows", len(recs))
	}

	// Coinbase 1-minute candles, newest first.
	cb := shareddata.Path(t, "prices", "coinbase_DOGE-USD_1min_2023-11-27_2023-12-29.csv")
	if r := memepipe(t, dir, nil, "anomaly", "detect", "--bars", cb); r.code != 0 || len(readCSV(t, r.stdout)) < 2 {
		t.Errorf("coinbase: exit %d %s", r.code, r.stderr)
	}
}

func TestAnomalyDetectTrades(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("ts,side,price,amount\n")
	ts := 1700000000
	for i := range 300 { // a quiet market: a buy or sell every 20 s
		side := "buy"
		if i%2 == 1 {
			side = "sell"
		}
		b.WriteString(strconv.Itoa(ts+20*i) + "," + side + ",1.00,10\n")
	}
	rush := ts + 20*300
	for i := range 40 { // 40 buys within two seconds
		b.WriteString(strconv.Itoa(rush+i/20) + ",buy,1.2,50\n")
	}
	b.WriteString(strconv.Itoa(rush+5) + ",buy,0,50\n")    // a zero price
	b.WriteString("yesterday,buy,1.2,50\n")                // a bad date
	b.WriteString(strconv.Itoa(rush+6) + ",hold,1.2,50\n") // a bad side
	in := filepath.Join(dir, "trades.csv")
	writeFile(t, in, b.String())
	r := memepipe(t, dir, nil, "anomaly", "detect", "--trades", in)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	kinds := map[string]int{}
	for _, rec := range readCSV(t, r.stdout)[1:] {
		kinds[rec[1]]++
	}
	if kinds["rush_orders"] == 0 || kinds["buy_burst"] == 0 {
		t.Errorf("events %v\n%s", kinds, r.stdout)
	}
	for _, want := range []string{"trades.csv line 342:", "trades.csv line 343:", "trades.csv line 344:", "3 skipped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := memepipe(t, dir, nil, "anomaly", "detect"); r.code != 2 {
		t.Errorf("no input: exit %d", r.code)
	}
	if r := memepipe(t, dir, nil, "anomaly", "detect", "--bars", filepath.Join(dir, "nope.csv")); r.code != 1 || !strings.Contains(r.stderr, "nope.csv") {
		t.Errorf("missing file: exit %d %q", r.code, r.stderr)
	}
}

func TestRiskScoreRealFeatures(t *testing.T) {
	dir := t.TempDir()
	in := shareddata.Path(t, "scams", "kang_uniswap_rugpull_dataset_v1.9.csv")
	out := filepath.Join(dir, "risk.csv")
	r := memepipe(t, dir, nil, "risk", "score", "--features", in, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	body, _ := os.ReadFile(out)
	recs := readCSV(t, string(body))
	raw, _ := os.ReadFile(in)
	inRecs := readCSV(t, string(raw))
	if len(recs) != len(inRecs) || strings.Join(recs[0], ",") != "id,risk_score" {
		t.Fatalf("%d rows (input %d), header %v", len(recs), len(inRecs), recs[0])
	}
	// Rows keep the input order and ids; rug pulls score higher on average.
	var rug, ok float64
	var nRug, nOK int
	for i, rec := range recs[1:] {
		if rec[0] != inRecs[i+1][0] {
			t.Fatalf("row %d id %s, input %s", i+1, rec[0], inRecs[i+1][0])
		}
		s, err := strconv.ParseFloat(rec[1], 64)
		if err != nil || s < 0 || s > 100 {
			t.Fatalf("row %v", rec)
		}
		if inRecs[i+1][1] == "TRUE" {
			rug += s
			nRug++
		} else {
			ok += s
			nOK++
		}
	}
	if rug/float64(nRug) < 3*ok/float64(nOK) {
		t.Errorf("mean risk: rug %.1f, not rug %.1f", rug/float64(nRug), ok/float64(nOK))
	}

	// A bad row is skipped with its line number.
	lines := strings.SplitN(string(raw), "\n", 4)
	bad := strings.Replace(lines[2], ",1\r", ",x\r", 1)
	bad = strings.Replace(bad, ",1", ",x", 1)
	writeFile(t, filepath.Join(dir, "f.csv"), lines[0]+"\n"+lines[1]+"\n"+bad+"\n")
	r = memepipe(t, dir, nil, "risk", "score", "--features", "f.csv")
	if r.code != 0 || len(readCSV(t, r.stdout)) != 2 || !strings.Contains(r.stderr, "f.csv line 3") {
		t.Errorf("bad row: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
