package sentiment

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVColumns are the columns ScoreCSV adds (or overwrites, if the input
// has them), in this order; CSVValues gives a score's values for them.
var CSVColumns = []string{"label", "compound", "spam_score", "valence"}

// Reading selects which head fills the label and compound columns.
type Reading uint8

const (
	// ReadStance: label is the market stance (positive = bullish, negative
	// = bearish, neutral), compound P(bullish) − P(bearish). The default,
	// and what the aggregates count.
	ReadStance Reading = iota
	// ReadValence: label is the feeling, positive or negative (positive
	// when Valence >= 0), compound the Valence. For binary positive/negative
	// data such as the crypto comments, where the stance head says
	// "neutral" for most texts (no market call in them).
	ReadValence
	// ReadAuto: the valence reading for a text that reads as a comment
	// (Comment >= 0.5), the stance reading for a news headline. One label
	// for both senses of "sentiment" in the labelled sets (register.go).
	ReadAuto
)

// Reading is the label and compound of the reading r.
func (s Score) Reading(r Reading) (Label, float64) {
	if r == ReadValence || (r == ReadAuto && s.Comment >= 0.5) {
		return s.ValenceLabel(), s.Valence
	}
	return s.Label, s.Compound
}

// CSVValues returns the score's values for CSVColumns.
func (s Score) CSVValues(r Reading) []string {
	label, compound := s.Reading(r)
	return []string{string(label), strconv.FormatFloat(compound, 'f', 4, 64),
		strconv.FormatFloat(s.SpamScore, 'f', 4, 64), strconv.FormatFloat(s.Valence, 'f', 4, 64)}
}

// ScoreCSV reads CSV rows from in, scores the text in column textCol with
// the embedded model, and writes the rows to out with the CSVColumns added
// (label and compound by ReadAuto). Quoted fields with commas and newlines are
// handled; a UTF-8 byte-order mark before the header is ignored. A missing
// text column or a malformed record is an error naming the record.
func ScoreCSV(in io.Reader, out io.Writer, textCol string) error {
	m, err := Default()
	if err != nil {
		return err
	}
	return m.ScoreCSV(in, out, textCol)
}

// ScoreCSV is ScoreCSV with this model.
func (m *Model) ScoreCSV(in io.Reader, out io.Writer, textCol string) error {
	if textCol == "" {
		textCol = "text"
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = 0 // every record as wide as the header
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("sentiment: input CSV is empty (no header)")
	}
	if err != nil {
		return fmt.Errorf("sentiment: reading CSV header: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	ti := indexOf(header, textCol)
	if ti < 0 {
		return fmt.Errorf("sentiment: no column %q in the CSV header (columns: %s)", textCol, strings.Join(header, ", "))
	}
	// Overwrite columns that are already there (re-scoring a scored file),
	// append the others.
	outHeader := append([]string(nil), header...)
	pos := make([]int, len(CSVColumns))
	for i, c := range CSVColumns {
		pos[i] = indexOf(header, c)
		if pos[i] < 0 {
			pos[i] = len(outHeader)
			outHeader = append(outHeader, c)
		}
	}
	w := csv.NewWriter(out)
	if err := w.Write(outHeader); err != nil {
		return fmt.Errorf("sentiment: writing CSV: %w", err)
	}
	row := make([]string, len(outHeader))
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("sentiment: reading CSV: %w", err)
		}
		copy(row, rec)
		for i, v := range m.Score(rec[ti]).CSVValues(ReadAuto) {
			row[pos[i]] = v
		}
		if err := w.Write(row); err != nil {
			return fmt.Errorf("sentiment: writing CSV: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("sentiment: writing CSV: %w", err)
	}
	return nil
}
