package main

import (
	"github.com/spf13/cobra"

	"memepipe/analyze/risk"
)

func (a *app) riskCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Rug-pull risk of feature files",
		Args:  noArgs,
	}
	cmd.AddCommand(a.riskScoreCommand())
	return cmd
}

func (a *app) riskScoreCommand() *cobra.Command {
	var features, out string
	cmd := &cobra.Command{
		Use:   "score --features F.csv",
		Short: "Score pairs' rug-pull risk from Kang et al.'s 18 features",
		Long: `Score rows of rug-pull features with the embedded model (analyze/risk) and
print id,risk_score (0-100: 100 x the model's probability of a rug pull).

The input has the columns of data/scams/kang_uniswap_rugpull_dataset_v1.9.csv
(mint_count_per_week ... number_of_token_creation, by name, any order; other
columns such as Label are ignored); without an id column rows are numbered
from 1. A row with a missing or non-numeric feature is skipped and reported
on stderr with its line number, never scored as zeros.`,
		Example: `  memepipe risk score --features kang_uniswap_rugpull_dataset_v1.9.csv --out risk.csv`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if features == "" {
				return usageError("--features F.csv is required\nRun '%s --help' for usage.", cmd.CommandPath())
			}
			in, source, err := a.openCSVInput(features)
			if err != nil {
				return err
			}
			defer in.Close()
			o, err := a.createCSVOutput(out)
			if err != nil {
				return err
			}
			rep, err := risk.ScoreCSV(in, source, o)
			if err := o.finish(err); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			a.reportSkipped(rep.Examples, rep.Skipped, rep.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&features, "features", "", "features CSV (- for stdin)")
	f.StringVar(&out, "out", "", "write id,risk_score here instead of stdout (replaced atomically)")
	return cmd
}
