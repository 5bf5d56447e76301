package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"memepipe/store"
)

func (a *app) checksCommand() *cobra.Command {
	var (
		f      store.CheckFilter
		all    bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "Show the latest data-quality check results",
		Long: `Show the data-quality checks the clean tasks ran: by default the latest
results of each (pipeline, task), failures first. Checks: keys_not_null,
keys_unique (within one raw object), price_positive, high_ge_low,
ohlc_within_high_low, non_negative, fraction_0_1, allowed_values,
ts_in_interval, ts_not_future, not_empty, row_count_drop, freshness. A
failed check of severity error failed its task; warn is recorded only.

--json prints an array of objects: run_id, pipeline, task, interval
{start, end}, dataset, check, severity, passed, message, observed, at.`,
		Example: `  memepipe checks
  memepipe checks --json | jq '.[] | select(.passed | not)'
  memepipe checks --all --pipeline onchain --dataset swaps`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			f.Latest = !all
			rs, err := st.ListChecks(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(a.stdout, "no check results yet (the clean tasks record them)")
				return nil
			}
			// Failures first, errors before warnings; the store's order within.
			var ordered []store.CheckResult
			for _, pass := range []func(store.CheckResult) bool{
				func(r store.CheckResult) bool { return !r.Passed && r.Severity == "error" },
				func(r store.CheckResult) bool { return !r.Passed && r.Severity != "error" },
				func(r store.CheckResult) bool { return r.Passed },
			} {
				for _, r := range rs {
					if pass(r) {
						ordered = append(ordered, r)
					}
				}
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "RESULT\tSEVERITY\tPIPELINE\tTASK\tDATASET\tCHECK\tOBSERVED\tAT\tMESSAGE")
			for _, r := range ordered {
				res := "ok"
				if !r.Passed {
					res = "FAIL"
				}
				obs := "-"
				if r.Observed != nil {
					obs = strconv.FormatFloat(*r.Observed, 'f', -1, 64)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", res, r.Severity, r.Pipeline, r.Task, r.Dataset, r.Check, obs,
					r.At.Format(time.RFC3339), firstLine(r.Message, 100))
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Pipeline, "pipeline", "", "only this pipeline (cli: memepipe clean/reclean)")
	fl.StringVar(&f.Task, "task", "", "only this task")
	fl.StringVar(&f.Dataset, "dataset", "", "only this dataset (table)")
	fl.StringVar(&f.RunID, "run", "", "only this run")
	fl.BoolVar(&all, "all", false, "every stored result, newest first, not only the latest per task")
	fl.IntVar(&f.Limit, "limit", 0, "at most this many results (0: no limit)")
	fl.BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}
