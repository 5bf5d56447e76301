package main

import (
	"github.com/spf13/cobra"

	"memepipe/analyze/anomaly"
)

func (a *app) anomalyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "anomaly",
		Short: "Anomaly detection on files (price bars, trades)",
		Args:  noArgs,
	}
	cmd.AddCommand(a.anomalyDetectCommand())
	return cmd
}

func (a *app) anomalyDetectCommand() *cobra.Command {
	var bars, trades, out string
	cmd := &cobra.Command{
		Use:   "detect (--bars F.csv | --trades F.csv)",
		Short: "Find return and volume spikes, pump-and-dumps, rush orders and bursts in a CSV",
		Long: `Run analyze/anomaly's detectors over one CSV file and print the events as
CSV: ts, kind, score, severity, token, evidence (JSON).

--bars reads OHLCV bars: Yahoo's export as it is (Date,Open,High,Low,Close,
Adj Close,Volume), ts,open,high,low,close,volume, or Coinbase candles
(time,low,high,open,close,volume; newest first is fine). Bar kinds:
return_spike, volume_spike, pump_and_dump, gap.

--trades reads trades: ts,side,price,amount (side buy or sell; optional
block and trader columns). Trade kinds: rush_orders, buy_burst,
fresh_wallet_buys, buy_sell_imbalance.

Bad rows (zero or negative prices, such as rounding to 6 decimals makes of
very cheap tokens, missing volume, unparseable dates, rows out of time
order) are skipped and reported on stderr with their line numbers; they
never become infinite returns. Scores share one scale: about 4 is notable,
6 warn, 10 critical.`,
		Example: `  memepipe anomaly detect --bars DOGE-USD.csv
  memepipe anomaly detect --trades swaps.csv --out events.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (bars == "") == (trades == "") {
				return usageError("give one of --bars F.csv or --trades F.csv\nRun '%s --help' for usage.", cmd.CommandPath())
			}
			path := bars
			if path == "" {
				path = trades
			}
			in, source, err := a.openCSVInput(path)
			if err != nil {
				return err
			}
			defer in.Close()
			o, err := a.createCSVOutput(out)
			if err != nil {
				return err
			}
			var rep anomaly.Report
			if bars != "" {
				rep, err = anomaly.DetectBarsCSV(in, source, o, anomaly.BarConfig{})
			} else {
				rep, err = anomaly.DetectTradesCSV(in, source, o, anomaly.TradeConfig{})
			}
			if err := o.finish(err); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			a.reportSkipped(rep.Examples, rep.Skipped, rep.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bars, "bars", "", "OHLCV bars CSV (- for stdin)")
	f.StringVar(&trades, "trades", "", "trades CSV: ts,side,price,amount (- for stdin)")
	f.StringVar(&out, "out", "", "write the events here instead of stdout (replaced atomically)")
	return cmd
}
