// Command train fits the rug-pull model on the development half of Kang et
// al.'s Uniswap V2 data set and writes it where analyze/risk embeds it:
//
//	go run ./analyze/risk/cmd/train            # train, print held-out AUC, write the model
//	go run ./analyze/risk/cmd/train -cv        # 5-fold CV on the training part only
//
// The test part (20% of each class, chosen by a seeded hash of the pair
// address) is scored once, after training, and never used to choose
// parameters: -cv compares settings on the training part alone.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"memepipe/analyze/risk"
	"memepipe/internal/shareddata"
)

func main() {
	dataFlag := flag.String("data", "", "Kang CSV (default: shared data scams/kang_uniswap_rugpull_dataset_v1.9.csv)")
	out := flag.String("out", "analyze/risk/rug_model.json", "where to write the model")
	cv := flag.Bool("cv", false, "only cross-validate candidate parameters on the training part")
	flag.Parse()
	log.SetFlags(0)

	path := *dataFlag
	if path == "" {
		dir, err := shareddata.Dir()
		if err != nil {
			log.Fatal(err)
		}
		path = filepath.Join(dir, "scams", "kang_uniswap_rugpull_dataset_v1.9.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	ds, err := risk.LoadRugDataset(f, filepath.Base(path))
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	split := risk.StratifiedSplit(ds, risk.RugTestShare, risk.RugSplitSeed)
	train, test := ds.Subset(split.Train), ds.Subset(split.Test)
	log.Printf("%s: %d rows, train %d, test %d", filepath.Base(path), len(ds.Y), len(train.Y), len(test.Y))

	if *cv {
		crossValidate(train)
		return
	}
	m, err := risk.Train(risk.RugFeatureNames, train.X, train.Y, risk.DefaultTrainParams)
	if err != nil {
		log.Fatal(err)
	}
	m.Meta = risk.Meta{
		Data:      filepath.Base(path),
		Params:    risk.DefaultTrainParams,
		Seed:      risk.RugSplitSeed,
		TestShare: risk.RugTestShare,
		TrainRows: len(train.Y),
		TestRows:  len(test.Y),
		TrainAUC:  m.AUC(train),
		TestAUC:   m.AUC(test),
	}
	b, err := json.Marshal(m)
	if err != nil {
		log.Fatal(err)
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		log.Fatal(err)
	}
	log.Printf("train AUC %.4f, held-out test AUC %.4f; wrote %s (%d trees, %d bytes)", m.Meta.TrainAUC, m.Meta.TestAUC, *out, len(m.Trees), len(b))
}

func crossValidate(train *risk.Dataset) {
	folds := risk.Folds(train, 5, risk.RugSplitSeed+1)
	for _, p := range []risk.TrainParams{
		{Rounds: 100, Depth: 1, LearningRate: 0.1, Lambda: 1, MinHessian: 1, MaxBins: 64},
		{Rounds: 200, Depth: 2, LearningRate: 0.05, Lambda: 1, MinHessian: 1, MaxBins: 64},
		{Rounds: 300, Depth: 2, LearningRate: 0.05, Lambda: 1, MinHessian: 1, MaxBins: 64},
		{Rounds: 300, Depth: 3, LearningRate: 0.05, Lambda: 1, MinHessian: 1, MaxBins: 64},
		{Rounds: 500, Depth: 3, LearningRate: 0.05, Lambda: 1, MinHessian: 1, MaxBins: 64},
		{Rounds: 300, Depth: 3, LearningRate: 0.1, Lambda: 1, MinHessian: 1, MaxBins: 64},
	} {
		var sum float64
		for _, f := range folds {
			tr, te := train.Subset(f.Train), train.Subset(f.Test)
			m, err := risk.Train(risk.RugFeatureNames, tr.X, tr.Y, p)
			if err != nil {
				log.Fatal(err)
			}
			sum += m.AUC(te)
		}
		fmt.Printf("depth %d rounds %3d lr %.2f: 5-fold CV AUC %.4f\n", p.Depth, p.Rounds, p.LearningRate, sum/float64(len(folds)))
	}
}
