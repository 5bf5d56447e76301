package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"memepipe/analytics/report"
	"memepipe/store"
)

// analyticsCommands are the read side of the analytics tables: scores,
// anomalies and flags. Each opens the store, reads, prints through
// analytics/report and closes.
func (a *app) analyticsCommands() []*cobra.Command {
	return []*cobra.Command{a.scoresCommand(), a.anomaliesCommand(), a.flagsCommand(),
		a.sentimentCommand(), a.anomalyCommand(), a.riskCommand()}
}

// printFromStore opens the store and hands it to print.
func (a *app) printFromStore(ctx context.Context, print func(context.Context, store.Analytics, io.Writer) error) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return print(ctx, st, a.stdout)
}

func (a *app) scoresCommand() *cobra.Command {
	var o report.Options
	cmd := &cobra.Command{
		Use:   "scores",
		Short: "Show the latest integrated score ranking",
		Long: `Show the latest ranking of tokens by integrated score (0-100, higher is
better), with its components: sentiment and momentum (50 neutral, higher is
better), anomaly and risk (higher is worse), "-" where a component had no
input. Hard facts (liquidity pulled by the creator, mint after launch,
honeypot) cap a token's score; FLAGS lists its top risk flags.
docs/ANALYTICS.md ("Integrated score") explains the formula.

--json prints a JSON array of rows: token, symbol, chain, address, as_of,
sentiment_score, momentum_score, anomaly_score, risk_score (null when
missing), integrated_score, rank, flags, breakdown.`,
		Example: `  memepipe scores
  memepipe scores --json | jq '.[] | select(.rank <= 10) | {symbol, integrated_score}'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.printFromStore(cmd.Context(), func(ctx context.Context, st store.Analytics, w io.Writer) error {
				return report.Scores(ctx, st, w, o)
			})
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array")
	return cmd
}

func (a *app) anomaliesCommand() *cobra.Command {
	var o report.Options
	cmd := &cobra.Command{
		Use:   "anomalies",
		Short: "Show detected anomalies, newest first",
		Long: `Show the anomalies the detectors found (return and volume spikes,
pump-and-dump, rush orders, buy bursts, wash cycles, whale transfers, ...),
newest first, with their score on the detectors' shared scale (about 4 to
emit, warn from 6, critical from 10) and the evidence behind it.

--token takes a token key as 'memepipe scores' prints it (chain:address, or
the symbol for tokens without an address). --json prints a JSON array: token,
ts, kind, score, severity, evidence, interval_start, interval_end.`,
		Example: `  memepipe anomalies
  memepipe anomalies --token ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933 --limit 20
  memepipe anomalies --json | jq '.[] | select(.severity == "critical")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Limit < 0 {
				return usageError("--limit must not be negative")
			}
			return a.printFromStore(cmd.Context(), func(ctx context.Context, st store.Analytics, w io.Writer) error {
				return report.Anomalies(ctx, st, w, o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Token, "token", "", "only this token (key as printed by memepipe scores)")
	f.IntVar(&o.Limit, "limit", 100, "at most this many anomalies")
	f.BoolVar(&o.JSON, "json", false, "print a JSON array")
	return cmd
}

func (a *app) flagsCommand() *cobra.Command {
	var o report.Options
	cmd := &cobra.Command{
		Use:   "flags",
		Short: "Show each token's current risk flags",
		Long: `Show the risk flags of each token's latest risk assessment, worst first:
contract findings (unverified, owner can mint, sell restrictions, ...),
on-chain facts (holder concentration, LP not locked or removed, only the owner
sells) and the rug-pull model, each with its evidence.

--token takes a token key as 'memepipe scores' prints it. --json prints a
JSON array: token, flag, as_of, severity, evidence, source.`,
		Example: `  memepipe flags
  memepipe flags --token ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.printFromStore(cmd.Context(), func(ctx context.Context, st store.Analytics, w io.Writer) error {
				return report.Flags(ctx, st, w, o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Token, "token", "", "only this token (key as printed by memepipe scores)")
	f.BoolVar(&o.JSON, "json", false, "print a JSON array")
	return cmd
}
