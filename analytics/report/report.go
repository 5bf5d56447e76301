// Package report prints the analytics tables for people and scripts: the
// read side of `memepipe scores`, `memepipe anomalies` and `memepipe
// flags`. Each command is one call: it reads the store and writes a table
// (aligned columns, "-" for a missing value) or, with JSON set, a JSON
// array of the stored rows ([] when there are none), so the CLI stays thin.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"memepipe/analytics"
	"memepipe/store"
)

// Options are the commands' flags.
type Options struct {
	// JSON prints a JSON array instead of a table.
	JSON bool
	// Token keeps one token's rows (anomalies, flags); "" keeps all.
	Token string
	// Limit caps anomalies (0: 100).
	Limit int
	// At reads the state as of a time (zero: the latest).
	At time.Time
}

// Scores prints the latest ranking (`memepipe scores`).
func Scores(ctx context.Context, s store.Analytics, w io.Writer, o Options) error {
	rows, err := s.IntegratedScores(ctx, o.At)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, rows)
	}
	return PrintScores(w, rows)
}

// Anomalies prints anomalies newest first (`memepipe anomalies`).
func Anomalies(ctx context.Context, s store.Analytics, w io.Writer, o Options) error {
	f := store.AnomalyFilter{Token: o.Token, Limit: o.Limit}
	if !o.At.IsZero() {
		f.To = o.At
	}
	rows, err := s.Anomalies(ctx, f)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, rows)
	}
	return PrintAnomalies(w, rows)
}

// Flags prints each token's current risk flags (`memepipe flags`).
func Flags(ctx context.Context, s store.Analytics, w io.Writer, o Options) error {
	rows, err := s.RiskFlags(ctx, o.Token, o.At)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, rows)
	}
	return PrintFlags(w, rows)
}

func writeJSON[T any](w io.Writer, rows []T) error {
	if rows == nil {
		rows = []T{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func num(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// evidence shortens JSON evidence for a table cell.
func evidence(raw json.RawMessage, max int) string {
	s := string(raw)
	if s == "" || s == "{}" || s == "null" {
		return "-"
	}
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

const timeLayout = "2006-01-02T15:04Z07:00"

// PrintScores writes a ranking as a table.
func PrintScores(w io.Writer, rows []analytics.IntegratedScore) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no integrated scores yet (the score task writes them)")
		return err
	}
	fmt.Fprintf(w, "as of %s\n", rows[0].AsOf.UTC().Format(timeLayout))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tSYMBOL\tSCORE\tSENTIMENT\tMOMENTUM\tANOMALY\tRISK\tFLAGS\tTOKEN")
	for _, r := range rows {
		score := r.IntegratedScore
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Rank, orDash(r.Symbol), num(&score),
			num(r.SentimentScore), num(r.MomentumScore), num(r.AnomalyScore), num(r.RiskScore),
			orDash(strings.Join(r.Flags, ",")), r.Token)
	}
	return tw.Flush()
}

// PrintAnomalies writes anomalies as a table.
func PrintAnomalies(w io.Writer, rows []analytics.Anomaly) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no anomalies")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TS\tTOKEN\tKIND\tSCORE\tSEVERITY\tEVIDENCE")
	for _, a := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\t%s\n", a.TS.UTC().Format(timeLayout), a.Token, a.Kind, a.Score, a.Severity, evidence(a.Evidence, 80))
	}
	return tw.Flush()
}

// PrintFlags writes risk flags as a table.
func PrintFlags(w io.Writer, rows []analytics.RiskFlag) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no risk flags")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOKEN\tAS OF\tSEVERITY\tFLAG\tSOURCE\tEVIDENCE")
	for _, f := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Token, f.AsOf.UTC().Format(timeLayout), f.Severity, f.Flag, orDash(f.Source), evidence(f.Evidence, 80))
	}
	return tw.Flush()
}
