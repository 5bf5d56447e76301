// Command train fits the sentiment model on the labelled data in
// ../shared/data/sentiment, prints the held-out evaluation (heads fitted on
// train+dev) next to the rule scorer and VADER on the same rows, and writes
// the weights that analyze/sentiment embeds: the valence and spam heads
// refitted with the chosen recipe on all their labelled rows.
//
//	go run ./analyze/sentiment/cmd/train [-seed N] [-out FILE] [-data DIR]
//
// VADER (github.com/jonreiter/govader, a Go port with the original lexicon)
// is linked only into this command, as the reference; memepipe itself does
// not use it.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/jonreiter/govader"

	"memepipe/analyze/sentiment"
	"memepipe/analyze/sentiment/internal/datafile"
	"memepipe/internal/shareddata"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run() error {
	seed := flag.Uint64("seed", sentiment.DefaultSeed, "split seed")
	out := flag.String("out", filepath.Join("analyze", "sentiment", sentiment.WeightsFileName), "weights file to write (\"\" to skip)")
	data := flag.String("data", "", "shared data folder (default: ../shared/data from the module root, or $MEMEPIPE_SHARED_DATA)")
	quiet := flag.Bool("q", false, "no training progress")
	selectOnly := flag.Bool("select", false, "model selection only: print the candidates' dev/cross-validation scores, write nothing, do not evaluate on the test parts")
	flag.Parse()
	if *data == "" {
		d, err := shareddata.Dir()
		if err != nil {
			return err
		}
		*data = d
	}
	var log io.Writer = os.Stderr
	if *quiet {
		log = io.Discard
	}
	t0 := time.Now()
	model, rep, err := sentiment.Train(sentiment.TrainOptions{DataDir: *data, Seed: *seed, Log: log, SelectOnly: *selectOnly})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "trained in %s\n", time.Since(t0).Round(time.Millisecond))
	if *selectOnly {
		for _, h := range []sentiment.HeadReport{rep.Stance, rep.Valence} {
			fmt.Printf("%s (%s, %d rows for selection, %d dropped as duplicates):\n", h.Dataset, h.Metric, h.Train, h.Dropped)
			if h.Dataset == rep.Valence.Dataset {
				fmt.Printf("  (review sentences for the +reviews members: %d, %d dropped as duplicates or copies of a comment)\n", rep.Reviews, rep.ReviewsDropped)
			}
			for i, c := range h.Candidates {
				mark := " "
				if i == h.Chosen {
					mark = "*"
				}
				fmt.Printf(" %s %s\n", mark, c)
			}
		}
		printSpamSelection(rep.SpamDetail)
		return nil
	}
	if *out != "" {
		if err := writeAtomic(*out, model); err != nil {
			return err
		}
		st, _ := os.Stat(*out)
		fmt.Printf("wrote %s (%d bytes)\n", *out, st.Size())
	}

	fin, cry, _, err := sentiment.Datasets(*data, *seed)
	if err != nil {
		return err
	}
	vader := govader.NewSentimentIntensityAnalyzer()
	vc := func(t string) float64 { return vader.PolarityScores(t).Compound }

	fmt.Printf("\nseed %d; held-out test parts only; models fitted on train+dev\n\n", rep.Seed)
	fmt.Printf("financial tweets (stance: bearish=negative, bullish=positive, neutral), n=%d\n", rep.Stance.Test)
	fmt.Printf("  model  %v\n", rep.Stance.Model)
	fmt.Printf("  rules  %v\n", rep.Stance.Rules)
	fmt.Printf("  VADER  %v\n", sentiment.EvaluateCompound(fin.Test, vc, false))
	fmt.Printf("  (model: %s)\n\n", rep.Stance.Selected())
	fmt.Printf("crypto comments (valence: positive/negative), n=%d (%d duplicates dropped before splitting)\n", rep.Valence.Test, rep.Valence.Dropped)
	fmt.Printf("  model  %v\n", rep.Valence.Model)
	fmt.Printf("  rules  %v\n", rep.Valence.Rules)
	fmt.Printf("  VADER  %v\n", sentiment.EvaluateCompound(cry.Test, vc, true))
	fmt.Printf("  (model: %s)\n", rep.Valence.Selected())
	fmt.Printf("  95%% Wilson interval of the model's test accuracy: %s\n\n", wilson(rep.Valence.Model))
	printSpamSelection(rep.SpamDetail)
	sp := rep.SpamDetail
	fmt.Printf("\nspam, test parts (F1, precision and recall of spam with 95%% Wilson intervals):\n")
	for _, r := range []struct {
		what      string
		model, nb sentiment.Metrics
	}{
		{fmt.Sprintf("by row (%d rows; the head fitted on the other %d)", sp.RowsTest, sp.RowsTrain), sp.RowsModel, sp.RowsBaseline},
		{fmt.Sprintf("unseen templates (%d test groups, one row each; fitted on %d rows of the other groups)", sp.UnseenTest, sp.UnseenTrain), sp.UnseenModel, sp.UnseenBaseline},
	} {
		fmt.Printf("  %s\n", r.what)
		fmt.Printf("    model     %s\n", spamLine(r.model))
		fmt.Printf("    naive Bayes %s\n", spamLine(r.nb))
	}
	fmt.Printf("  (model: %s)\n", sp.Candidates[sp.Chosen].Name)
	fmt.Printf("\nregister (comment = crypto comments, news = financial tweets; test parts): %v\n", rep.Register)
	fmt.Printf("label of ReadAuto (the default of memepipe sentiment score: valence reading for comments, stance for news; each test part read as one file):\n")
	fmt.Printf("  financial tweets  %v\n", rep.AutoStance)
	fmt.Printf("  crypto comments   %v  (neutral counts as wrong)\n", rep.AutoValence)
	fmt.Printf("\n")
	fmt.Printf("shipped weights: stance fitted on %d rows (as evaluated); valence refitted on all %d labelled rows, spam on all %d\n",
		rep.Stance.Shipped, rep.Valence.Shipped, rep.Spam.Shipped)
	fmt.Printf("(the numbers above are those of the heads fitted on train+dev; the shipped valence and spam heads have seen the test rows)\n")
	return nil
}

// printSpamSelection prints the spam candidates under both protocols.
func printSpamSelection(sp *sentiment.SpamReport) {
	fmt.Printf("spam (%d rows, %d spam, %d groups of templates and authors; F1[spam], %d folds × %d repeats, mean ± sd over folds, paired difference from the first ± its standard error):\n",
		sp.Rows, sp.Spam, sp.Groups, sp.Folds, sp.Repeats)
	fmt.Printf("  cross-validated on %d rows (by row) and %d rows (unseen templates)\n", sp.RowsTrain, sp.UnseenTrain)
	for i, c := range sp.Candidates {
		mark := " "
		switch {
		case i == sp.Chosen:
			mark = "*"
		case !c.Eligible:
			mark = "-"
		}
		fmt.Printf(" %s by row %.3f ± %.3f (%+.3f ± %.3f; pooled P %.3f R %.3f) | unseen %.3f ± %.3f (%+.3f ± %.3f; pooled P %.3f R %.3f)  %s\n", mark,
			c.Rows.Mean, c.Rows.Std, c.Rows.Diff, c.Rows.DiffSE, c.Rows.Pooled.Precision["spam"], c.Rows.Pooled.Recall["spam"],
			c.Unseen.Mean, c.Unseen.Std, c.Unseen.Diff, c.Unseen.DiffSE, c.Unseen.Pooled.Precision["spam"], c.Unseen.Pooled.Recall["spam"], c.Name)
	}
	for _, c := range sp.Candidates {
		if c.RowsVsShipped != [2]float64{} || c.UnseenVsShipped != [2]float64{} {
			fmt.Printf("  vs the heads shipped before: by row %+.3f ± %.3f, unseen %+.3f ± %.3f  %s\n",
				c.RowsVsShipped[0], c.RowsVsShipped[1], c.UnseenVsShipped[0], c.UnseenVsShipped[1], c.Name)
		}
	}
	fmt.Printf("  chosen head's F1-optimal threshold on its out-of-fold P(spam) by row: %.2f (F1 %.3f); used at 0.5\n", sp.Threshold, sp.ThresholdF1)
}

// spamLine is F1, precision and recall of spam with Wilson intervals.
func spamLine(m sentiment.Metrics) string {
	tp := m.Confusion[1][1]
	predicted := tp + m.Confusion[0][1]
	actual := tp + m.Confusion[1][0]
	plo, phi := sentiment.Wilson(tp, predicted)
	rlo, rhi := sentiment.Wilson(tp, actual)
	return fmt.Sprintf("F1 %.3f  precision %.3f [%.3f, %.3f] (%d/%d)  recall %.3f [%.3f, %.3f] (%d/%d)  accuracy %.3f",
		m.F1["spam"], m.Precision["spam"], plo, phi, tp, predicted, m.Recall["spam"], rlo, rhi, tp, actual, m.Accuracy)
}

// wilson is the 95% Wilson score interval of an accuracy.
func wilson(m sentiment.Metrics) string {
	n := float64(m.N)
	p := m.Accuracy
	const z = 1.96
	c := (p + z*z/(2*n)) / (1 + z*z/n)
	h := z / (1 + z*z/n) * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	return fmt.Sprintf("[%.3f, %.3f] (%d of %d right)", c-h, c+h, int(math.Round(p*n)), m.N)
}

// writeAtomic writes the weights next to their final place and renames, so
// an interrupted run never leaves a truncated file to be embedded.
func writeAtomic(path string, m *sentiment.Model) error {
	return datafile.WriteAtomic(path, func(w io.Writer) error { _, err := m.WriteTo(w); return err })
}
