package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"memepipe/analyze/sentiment"
)

func (a *app) sentimentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sentiment",
		Short: "Sentiment of texts in files",
		Args:  noArgs,
	}
	cmd.AddCommand(a.sentimentScoreCommand())
	return cmd
}

func (a *app) sentimentScoreCommand() *cobra.Command {
	var in, out, textCol, head string
	cmd := &cobra.Command{
		Use:   "score --in F.csv",
		Short: "Add label, compound, spam_score and valence columns to a CSV of texts",
		Long: `Score the text column of a CSV with the embedded crypto-aware model
(analyze/sentiment) and print the rows with four columns added (or
overwritten, when re-scoring a scored file):

  label       positive, negative or neutral (see --head)
  compound    in [-1, 1], the score behind label (see --head)
  spam_score  P(promotional spam or bot text), in [0, 1]
  valence     P(positive) - P(negative) feeling, in [-1, 1]

"Sentiment" has two senses. Stance is the market call of a news headline
(bullish, bearish, or neutral when it makes none: most news); valence is
the feeling of a comment (positive or negative). --head says which fills
label and compound:

  auto     (default) valence for a text that reads as a comment, stance
           for a news headline, as the model's register head tells them
           apart (99% right on the labelled sets' test parts)
  stance   always the stance: compound = P(bullish) - P(bearish)
  valence  always the valence: label positive when valence >= 0, else
           negative; compound = valence. For binary positive/negative data.

Quoted fields with commas and newlines and a UTF-8 byte-order mark are read
as spreadsheet exports write them. A malformed row (wrong number of fields,
a stray quote) is skipped and reported on stderr with its line number.`,
		Example: `  memepipe sentiment score --in tweets.csv --out scored.csv
  memepipe sentiment score --in comments.csv --text-col "Comment Text" --head valence`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" {
				return usageError("--in F.csv is required\nRun '%s --help' for usage.", cmd.CommandPath())
			}
			var reading sentiment.Reading
			switch head {
			case "auto":
				reading = sentiment.ReadAuto
			case "stance":
				reading = sentiment.ReadStance
			case "valence":
				reading = sentiment.ReadValence
			default:
				return usageError("--head %q: want auto, stance or valence\nRun '%s --help' for usage.", head, cmd.CommandPath())
			}
			r, source, err := a.openCSVInput(in)
			if err != nil {
				return err
			}
			defer r.Close()
			model, err := sentiment.Default()
			if err != nil {
				return err
			}
			o, err := a.createCSVOutput(out)
			if err != nil {
				return err
			}
			rows, bad, err := scoreTextCSV(model, r, o, source, textCol, reading)
			if err := o.finish(err); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			examples := bad
			if len(examples) > 10 {
				examples = examples[:10]
			}
			a.reportSkipped(examples, len(bad), fmt.Sprintf("%s: %d rows scored, %d skipped", source, rows, len(bad)))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "in", "", "CSV with a header row (- for stdin)")
	f.StringVar(&out, "out", "", "write the scored CSV here instead of stdout (replaced atomically)")
	f.StringVar(&textCol, "text-col", "text", "name of the column holding the text")
	f.StringVar(&head, "head", "auto", "what label and compound hold: auto (valence for comments, stance for news headlines), stance (bullish/bearish/neutral) or valence (positive/negative feeling)")
	return cmd
}

// scoreTextCSV is sentiment.ScoreCSV that skips malformed records instead
// of stopping at the first: it returns the rows scored and one line per
// skipped record ("source line N: why").
func scoreTextCSV(m *sentiment.Model, in io.Reader, out io.Writer, source, textCol string, reading sentiment.Reading) (int, []string, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1 // checked here, so a short row is reported, not fatal
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil, fmt.Errorf("%s: empty file, no header", source)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("%s: header: %w", source, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	ti := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), textCol) {
			ti = i
			break
		}
	}
	if ti < 0 {
		return 0, nil, fmt.Errorf("%s: no column %q in the header (columns: %s); choose one with --text-col", source, textCol, strings.Join(header, ", "))
	}
	outHeader := append([]string(nil), header...)
	pos := make([]int, len(sentiment.CSVColumns))
	for i, c := range sentiment.CSVColumns {
		pos[i] = -1
		for j, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), c) {
				pos[i] = j
			}
		}
		if pos[i] < 0 {
			pos[i] = len(outHeader)
			outHeader = append(outHeader, c)
		}
	}
	w := csv.NewWriter(out)
	if err := w.Write(outHeader); err != nil {
		return 0, nil, err
	}
	var bad []string
	rows := 0
	row := make([]string, len(outHeader))
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, fmt.Sprintf("%s line %d: %v", source, pe.StartLine, pe.Err))
				continue
			}
			return rows, bad, fmt.Errorf("%s: %w", source, err)
		}
		if line, _ = r.FieldPos(0); len(rec) != len(header) {
			bad = append(bad, fmt.Sprintf("%s line %d: %d fields, the header has %d", source, line, len(rec), len(header)))
			continue
		}
		copy(row, rec)
		for i, v := range m.Score(rec[ti]).CSVValues(reading) {
			row[pos[i]] = v
		}
		if err := w.Write(row); err != nil {
			return rows, bad, err
		}
		rows++
	}
	w.Flush()
	return rows, bad, w.Error()
}
