package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
)

func (a *app) rawCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "raw",
		Short: "Inspect the raw zone: every response page the collectors kept",
		Long: `The raw zone (raw: in config, file://./data/raw by default) keeps every
response page a collector fetched, gzipped, once, keyed by
source/date/interval/token/sha256. Cleaners read it; these commands let you
see what they read.`,
	}
	cmd.AddCommand(a.rawListCommand(), a.rawCatCommand())
	return cmd
}

// rawEntry is one object as raw list --json prints it.
type rawEntry struct {
	Key           string    `json:"key"`
	Source        string    `json:"source"`
	Token         string    `json:"token,omitempty"`
	IntervalStart time.Time `json:"interval_start"`
	IntervalEnd   time.Time `json:"interval_end"`
	URL           string    `json:"url,omitempty"`
	Status        int       `json:"status"`
	FetchedAt     time.Time `json:"fetched_at"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	StoredBytes   int64     `json:"stored_bytes"`
	ContentType   string    `json:"content_type,omitempty"`
	Rejected      string    `json:"rejected,omitempty"`
}

func (a *app) openZone(ctx context.Context) (*raw.Zone, *config.Config, error) {
	cfg, err := a.loadConfig(false)
	if err != nil {
		return nil, nil, err
	}
	z, err := raw.Open(ctx, cfg.Raw)
	return z, cfg, err
}

func (a *app) rawListCommand() *cobra.Command {
	var (
		src, token, start, end string
		rejected, asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List raw objects, by source, then interval, token and hash",
		Long: `List raw objects with their metadata. --source takes a source
(etherscan.tokentx) or a family ending in a dot (etherscan.). --start and
--end keep objects whose collection interval overlaps [start, end) (times as
for memepipe run: RFC 3339, 2026-11-28T18:00, -24h, now). --rejected lists
the pages collectors rejected (HTML error pages, truncated bodies), which
are kept apart for diagnosis.

--json prints an array of objects: key, source, token, interval_start,
interval_end, url (secrets removed), status, fetched_at, sha256, size
(uncompressed bytes), stored_bytes, content_type, rejected.`,
		Example: `  memepipe raw list --source twitter.search --start -24h
  memepipe raw list --json | jq -r '.[] | select(.source == "etherscan.getlogs") | .key'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			z, _, err := a.openZone(ctx)
			if err != nil {
				return err
			}
			defer z.Close()
			iv, err := optionalInterval(start, end, time.Now())
			if err != nil {
				return err
			}
			entries := []rawEntry{}
			for info, err := range z.List(ctx, raw.Filter{Source: src, Token: token, Interval: iv, WithMeta: true, Rejected: rejected}) {
				if err != nil {
					return err
				}
				m := info.Meta
				entries = append(entries, rawEntry{
					Key: info.Key, Source: m.Source, Token: m.Token, IntervalStart: m.Interval.Start, IntervalEnd: m.Interval.End,
					URL: m.URL, Status: m.Status, FetchedAt: m.FetchedAt, SHA256: m.SHA256, Size: m.Size,
					StoredBytes: info.Stored, ContentType: m.ContentType, Rejected: m.Rejected,
				})
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KEY\tFETCHED_AT\tSTATUS\tSIZE")
			for _, e := range entries {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", e.Key, e.FetchedAt.Format(time.RFC3339), e.Status, e.Size)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "%d objects\n", len(entries))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&src, "source", "", "source (twitter.search) or family (etherscan.)")
	f.StringVar(&token, "token", "", "token key (ethereum:0x...)")
	f.StringVar(&start, "start", "", "keep objects whose interval overlaps [start, end)")
	f.StringVar(&end, "end", "", "end of that window (default: now)")
	f.BoolVar(&rejected, "rejected", false, "list the pages collectors rejected instead")
	f.BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (a *app) rawCatCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cat KEY",
		Short: "Print a raw object's body, decompressed, exactly as the API sent it",
		Long: `Print a raw object's body, decompressed and checked against the SHA-256
recorded when it was stored. Keys are as raw list prints them (rejected
pages start with _rejected/). memepipe parse SOURCE FILE parses a saved
body into canonical rows.`,
		Example: `  memepipe raw cat twitter.search/2026-11-28/20261128T170000Z_20261128T180000Z/ethereum-0x.../3f2a...json.gz | jq .meta`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			z, _, err := a.openZone(ctx)
			if err != nil {
				return err
			}
			defer z.Close()
			obj, err := z.Get(ctx, args[0])
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(obj.Body)
			return err
		},
	}
}

// optionalInterval reads --start/--end for listings: none is no window;
// a start alone runs to now. Relative times round to the hour.
func optionalInterval(start, end string, now time.Time) (pipeline.Interval, error) {
	if start == "" && end == "" {
		return pipeline.Interval{}, nil
	}
	if end == "" {
		end = "now"
	}
	if start == "" {
		return pipeline.Interval{}, usageError("--end needs --start")
	}
	return hourInterval(start, end, now)
}

// hourInterval parses an interval for commands that run outside a
// pipeline: times as for memepipe run, in UTC, relative ones rounded down
// to the hour.
func hourInterval(start, end string, now time.Time) (pipeline.Interval, error) {
	sl := fixedSlots(time.Hour)
	s, err := parseTime(start, now, time.UTC, sl)
	if err != nil {
		return pipeline.Interval{}, usageError("--start %v", err)
	}
	e, err := parseTime(end, now, time.UTC, sl)
	if err != nil {
		return pipeline.Interval{}, usageError("--end %v", err)
	}
	iv, err := pipeline.NewInterval(s, e)
	if err != nil {
		return pipeline.Interval{}, usageError("%v", err)
	}
	return iv, nil
}
