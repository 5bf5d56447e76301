package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/watchlist"
)

func (a *app) parseCommand() *cobra.Command {
	var tokenFlag string
	cmd := &cobra.Command{
		Use:   "parse SOURCE FILE",
		Short: "Parse one saved response into canonical rows (JSON lines)",
		Long: `Parse one saved response with the cleaner's parser for SOURCE and print the
canonical rows as JSON lines, each with a "table" field and the table's
columns. FILE may be a plain response body, a recorded fixture
({request, response{bodyJson|bodyText}}) or a raw-zone object (.json.gz, with
its metadata beside it). Nothing is written to the store.

A body the parser cannot read is an error naming the source, the file and the
JSON path or line that failed; no rows are printed for it. Upstream error
bodies (Etherscan's "Invalid API Key", Yahoo's 404) are reported as such;
empty results ("No transactions found") print nothing and exit 0.

--token names the token the capture was made for (a watchlist symbol, or
chain:address when two tokens share a symbol): tweets are attributed to it and
swaps are read from its side of the pair.

Sources: ` + strings.Join(clean.Sources(), ", "),
		Example: `  memepipe parse etherscan.tokentx ../shared/data/api-samples/etherscan/rotki/tokentx_ok_1466b.json
  memepipe parse yahoo.chart capture.json --token DOGE | jq -c 'select(.table=="price_bars")'
  memepipe parse twitter.search data/raw/twitter.search/2026-11-28/....json.gz --token ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError("parse takes SOURCE and FILE, got %d argument(s)\nRun 'memepipe parse --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			source, path := args[0], args[1]
			if _, ok := clean.ParserFor(source); !ok {
				return usageError("no parser for source %q (have: %s)", source, strings.Join(clean.Sources(), ", "))
			}
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			opt := clean.FileOptions{Watchlist: cfg.Watchlist}
			if tokenFlag != "" {
				t, err := pickToken(cfg.Watchlist, tokenFlag)
				if err != nil {
					return usageError("--token: %v", err)
				}
				opt.Token = &t
			}
			rows, err := clean.ParseFile(cmd.Context(), source, path, opt)
			if err != nil {
				return err
			}
			for _, r := range rows {
				line, err := canonical.MarshalLine(r)
				if err != nil {
					return err
				}
				if _, err := a.stdout.Write(append(line, '\n')); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tokenFlag, "token", "", "the token the capture was made for: SYMBOL or chain:address")
	return cmd
}

// pickToken finds a watchlist token by chain:address or by symbol. A
// symbol two tokens share is ambiguous; one not in the watchlist stands
// for itself (a capture made outside the watchlist).
func pickToken(l watchlist.List, s string) (watchlist.Token, error) {
	if chain, addr, ok := strings.Cut(s, ":"); ok {
		if t, found := l.ByAddress(chain, addr); found {
			return t, nil
		}
		return watchlist.Token{}, fmt.Errorf("no watchlist token at %s", s)
	}
	switch c := l.BySymbol(s); len(c) {
	case 0:
		return watchlist.Token{Symbol: strings.ToUpper(s)}, nil
	case 1:
		return c[0], nil
	default:
		var keys []string
		for _, t := range c {
			keys = append(keys, t.Chain+":"+t.Address)
		}
		return watchlist.Token{}, fmt.Errorf("symbol %s is shared by %d tokens; name one: %s", s, len(c), strings.Join(keys, ", "))
	}
}
