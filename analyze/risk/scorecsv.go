package risk

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ScoreReport summarises a ScoreCSV run.
type ScoreReport struct {
	Source   string   `json:"source"`
	Rows     int      `json:"rows"`
	Scored   int      `json:"scored"`
	Skipped  int      `json:"skipped"`
	Examples []string `json:"examples,omitempty"` // first bad rows, with line numbers
}

func (r ScoreReport) String() string {
	return fmt.Sprintf("%s: %d rows, %d scored, %d skipped", r.Source, r.Rows, r.Scored, r.Skipped)
}

// RugRiskScore maps a rug probability to the 0-100 risk score: 100*p,
// rounded to 0.1.
func RugRiskScore(p float64) float64 { return math.Round(p*1000) / 10 }

// ScoreCSV is `memepipe risk score --features F.csv`: rows carrying the
// data set's 18 feature columns (by name, any order, other columns
// ignored) in; `id,risk_score` out, risk_score being RugRiskScore of the
// embedded model's probability. Rows without an id column are numbered
// from 1. A row with a missing or non-numeric feature is skipped and
// reported, not scored as zeros.
func ScoreCSV(r io.Reader, source string, w io.Writer) (ScoreReport, error) {
	rep := ScoreReport{Source: source}
	m, err := RugModel()
	if err != nil {
		return rep, err
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return rep, fmt.Errorf("%s: empty file, no header", source)
	}
	if err != nil {
		return rep, fmt.Errorf("%s: header: %w", source, err)
	}
	cols, err := featureColumns(head, source)
	if err != nil {
		return rep, err
	}
	iID := colIndex(head, "id")
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "risk_score"}); err != nil {
		return rep, err
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		rep.Rows++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return rep, fmt.Errorf("%s: %w", source, err)
			}
			rep.skip(line, err)
			continue
		}
		x, err := rowFeatures(rec, cols)
		if err != nil {
			rep.skip(line, err)
			continue
		}
		id := strconv.Itoa(rep.Rows)
		if iID >= 0 && iID < len(rec) {
			id = strings.TrimSpace(rec[iID])
		}
		score := RugRiskScore(m.Predict(x))
		if err := cw.Write([]string{id, strconv.FormatFloat(score, 'f', 1, 64)}); err != nil {
			return rep, err
		}
		rep.Scored++
	}
	cw.Flush()
	return rep, cw.Error()
}

func (r *ScoreReport) skip(line int, err error) {
	r.Skipped++
	if len(r.Examples) < 10 {
		r.Examples = append(r.Examples, fmt.Sprintf("%s line %d: %v", r.Source, line, err))
	}
}
