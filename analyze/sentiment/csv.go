package sentiment

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Output columns ScoreCSV adds (or overwrites, if the input has them).
var scoreColumns = []string{"label", "compound", "spam_score"}

// ScoreCSV reads CSV rows from in, scores the text in column textCol with
// the embedded model, and writes the rows to out with label, compound and
// spam_score columns added. Quoted fields with commas and newlines are
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
	pos := make([]int, len(scoreColumns))
	for i, c := range scoreColumns {
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
		s := m.Score(rec[ti])
		copy(row, rec)
		row[pos[0]] = string(s.Label)
		row[pos[1]] = strconv.FormatFloat(s.Compound, 'f', 4, 64)
		row[pos[2]] = strconv.FormatFloat(s.SpamScore, 'f', 4, 64)
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
