package main

import (
	"errors"
	"fmt"
	"io"

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
           apart; in a file that is mostly comments (judged on its first
           10,000 rows) a borderline text counts as a comment
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
	var bad []string
	rows, err := m.ScoreCSVWith(in, out, sentiment.CSVOptions{TextCol: textCol, Reading: reading, Source: source,
		Skip: func(line int, why string) { bad = append(bad, fmt.Sprintf("%s line %d: %s", source, line, why)) }})
	if ce := (*sentiment.ColumnError)(nil); errors.As(err, &ce) {
		err = fmt.Errorf("%w; choose one with --text-col", err)
	}
	return rows, bad, err
}
