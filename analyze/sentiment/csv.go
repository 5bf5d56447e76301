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
	_, err = m.ScoreCSVWith(in, out, CSVOptions{TextCol: textCol, Reading: ReadAuto})
	return err
}

// CSVOptions configure ScoreCSVWith.
type CSVOptions struct {
	// TextCol names the text column (default "text"), matched without
	// regard to case or surrounding spaces, as are the CSVColumns a scored
	// file already has (they are overwritten).
	TextCol string
	// Reading fills label and compound (ReadStance is the zero value).
	Reading Reading
	// Source names the input in errors ("comments.csv"); default "CSV".
	Source string
	// Skip, when set, is told of each malformed record (a stray quote, a
	// row wider or narrower than the header) by its line, and the record
	// is left out; without it the first one is an error.
	Skip func(line int, why string)
}

// ColumnError says the text column is not in the header.
type ColumnError struct {
	Source, Column string
	Header         []string
}

func (e *ColumnError) Error() string {
	return fmt.Sprintf("%s: no column %q in the header (columns: %s)", e.Source, e.Column, strings.Join(e.Header, ", "))
}

// AutoWindow is how many rows ReadAuto reads before it fixes a file's
// comment share (CommentShare); the rows wait in memory until then.
const AutoWindow = 10_000

// ScoreCSVWith is ScoreCSV with options; it returns the rows written. With
// ReadAuto the register is read for the file (Score.InFile), its comment
// share estimated on the first AutoWindow rows.
func (m *Model) ScoreCSVWith(in io.Reader, out io.Writer, o CSVOptions) (int, error) {
	if o.TextCol == "" {
		o.TextCol = "text"
	}
	if o.Source == "" {
		o.Source = "CSV"
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1 // checked below, so that a short row can be skipped
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("%s: empty file, no header", o.Source)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: header: %w", o.Source, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	ti := indexOf(header, o.TextCol)
	if ti < 0 {
		return 0, &ColumnError{Source: o.Source, Column: o.TextCol, Header: header}
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
		return 0, fmt.Errorf("%s: writing CSV: %w", o.Source, err)
	}
	type pending struct {
		rec   []string
		score Score
	}
	var (
		rows    int
		waiting []pending
		share   = -1.0 // the file's comment share once known (ReadAuto)
	)
	row := make([]string, len(outHeader))
	write := func(rec []string, s Score) error {
		copy(row, rec)
		for i, v := range s.CSVValues(o.Reading) {
			row[pos[i]] = v
		}
		rows++
		return w.Write(row)
	}
	// flush fixes the share from the waiting rows and writes them.
	flush := func() error {
		scores := make([]Score, len(waiting))
		for i, p := range waiting {
			scores[i] = p.score
		}
		share = CommentShare(scores)
		for _, p := range waiting {
			if err := write(p.rec, p.score.InFile(share)); err != nil {
				return err
			}
		}
		waiting = nil
		return nil
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && o.Skip != nil {
			o.Skip(pe.StartLine, pe.Err.Error())
			continue
		}
		if err != nil {
			return rows, fmt.Errorf("%s: %w", o.Source, err)
		}
		if len(rec) != len(header) {
			line, _ := r.FieldPos(0)
			why := fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))
			if o.Skip == nil {
				return rows, fmt.Errorf("%s line %d: %s", o.Source, line, why)
			}
			o.Skip(line, why)
			continue
		}
		s := m.Score(rec[ti])
		switch {
		case o.Reading != ReadAuto:
			err = write(rec, s)
		case share >= 0:
			err = write(rec, s.InFile(share))
		default:
			waiting = append(waiting, pending{rec, s})
			if len(waiting) == AutoWindow {
				err = flush()
			}
		}
		if err != nil {
			return rows, fmt.Errorf("%s: writing CSV: %w", o.Source, err)
		}
	}
	if len(waiting) > 0 {
		if err := flush(); err != nil {
			return rows, fmt.Errorf("%s: writing CSV: %w", o.Source, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return rows, fmt.Errorf("%s: writing CSV: %w", o.Source, err)
	}
	return rows, nil
}
