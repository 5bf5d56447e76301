package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/sim"
)

func (a *app) simCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "A local stand-in for X, Yahoo Finance, Etherscan, DexScreener and token pages",
		Long: `The simulator serves every upstream API memepipe collects from, in their real
wire formats, over a seeded synthetic market of meme tokens with injected
events (pump-and-dumps, rug pulls, whale transfers, wash trading, bot tweet
bursts, honeypot contracts). It enforces each API's rate limits the way the
real one answers, and injects faults on request. memepipe run --demo starts
one in-process; sim serve runs one for your own experiments and tests.`,
	}
	cmd.AddCommand(a.simServeCommand(), a.simTruthCommand())
	return cmd
}

type simFlags struct {
	seed   int64
	tokens int
	faults float64
}

func (f *simFlags) register(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "market seed: the same seed gives the same market")
	cmd.Flags().IntVar(&f.tokens, "tokens", sim.DefaultTokens, "number of tokens in the market")
}

func (f simFlags) options() (sim.Options, error) {
	if f.tokens < 1 || f.tokens > 10000 {
		return sim.Options{}, usageError("--tokens %d: want 1..10000", f.tokens)
	}
	if f.faults < 0 || f.faults > 1 {
		return sim.Options{}, usageError("--faults %v: want a probability in [0, 1]", f.faults)
	}
	return sim.Options{Seed: f.seed, Tokens: f.tokens, Faults: f.faults}, nil
}

func (a *app) simServeCommand() *cobra.Command {
	var f simFlags
	var addr string
	var limits bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the simulated APIs until interrupted",
		Long: `Serve the simulated APIs on a loopback address until Ctrl-C. It prints each
source's base URL (what sources.*.base_url takes) and the watchlist as YAML
to paste into memepipe.yaml. The truth of what it injected: GET /sim/truth.`,
		Example: `  memepipe sim serve --addr 127.0.0.1:8089 --seed 7 --tokens 20 --faults 0.1`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options()
			if err != nil {
				return err
			}
			o.RateLimits = limits
			s := sim.New(o)
			base, err := s.Serve(cmd.Context(), addr)
			if err != nil {
				return err
			}
			u := sim.URLs(base)
			fmt.Fprintf(a.stdout, "memepipe sim: serving %d tokens (seed %d, faults %.2f, rate limits %v) at %s\n", o.Tokens, o.Seed, o.Faults, limits, base)
			fmt.Fprintf(a.stdout, "sources:\n  twitter:\n    base_url: %s\n  yahoo:\n    base_url: %s\n  etherscan:\n    base_url: %s\n  dexscreener:\n    base_url: %s\n",
				u.Twitter, u.Yahoo, u.Etherscan, u.DexScreener)
			fmt.Fprintf(a.stdout, "watchlist: %s/sim/watchlist\ntruth: %s/sim/truth\nCtrl-C to stop.\n", base, base)
			<-cmd.Context().Done()
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().Float64Var(&f.faults, "faults", 0, "probability in [0,1] that a request gets a fault (5xx, timeout, truncated body, HTML error page)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address (port 0: a free port)")
	cmd.Flags().BoolVar(&limits, "rate-limits", true, "answer over-limit requests as each real API does (429, Etherscan's NOTOK)")
	return cmd
}

func (a *app) simTruthCommand() *cobra.Command {
	var f simFlags
	var asJSON bool
	var start, end string
	cmd := &cobra.Command{
		Use:   "truth",
		Short: "Print the events the simulator injects, with their tokens and times",
		Long: `Print the ground truth of the simulated market for a seed: every injected
event (pump_and_dump, rug_pull, whale_transfer, wash_trading, bot_burst,
honeypot) with its token, start and end, and per-token labels. The analytics
are measured against it (docs/ANALYTICS.md). The market is laid out relative
to the current hour, so run it near the run you compare with.`,
		Example: `  memepipe sim truth --seed 1 --json > truth.json
  memepipe sim truth --seed 1 --start -24h --end now`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options()
			if err != nil {
				return err
			}
			var iv pipeline.Interval
			if start != "" || end != "" {
				hourly := &config.Pipeline{Name: "sim truth", Interval: config.Duration(time.Hour), Timezone: "UTC"}
				if iv, err = runInterval(start, end, hourly, time.Now()); err != nil {
					return err
				}
			}
			truth := sim.New(o).Truth(iv)
			b, err := truth.JSON()
			if err != nil {
				return err
			}
			if asJSON {
				_, err = a.stdout.Write(append(b, '\n'))
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tTOKEN\tSTART\tEND\tBLOCKS")
			for _, e := range truth.Events {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d-%d\n", e.Kind, e.Token, e.Start.Format(time.RFC3339), e.End.Format(time.RFC3339), e.StartBlock, e.EndBlock)
			}
			return tw.Flush()
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&start, "start", "", "only events overlapping [start, end) (default: the whole simulated window)")
	cmd.Flags().StringVar(&end, "end", "", "end of that interval")
	return cmd
}
