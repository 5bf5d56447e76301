package score

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"memepipe/analytics"
)

// CSVHeader is integrated_scores.csv's header. Missing components are
// empty cells; flags are semicolon-separated risk flag codes.
var CSVHeader = []string{"token", "symbol", "chain", "address", "as_of", "sentiment_score", "momentum_score",
	"anomaly_score", "risk_score", "integrated_score", "rank", "flags"}

func cell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// EncodeCSV writes rows, in the given order, as integrated_scores.csv.
func EncodeCSV(w io.Writer, rows []analytics.IntegratedScore) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		score := r.IntegratedScore
		if err := cw.Write([]string{
			r.Token, r.Symbol, r.Chain, r.Address, r.AsOf.UTC().Format(time.RFC3339),
			cell(r.SentimentScore), cell(r.MomentumScore), cell(r.AnomalyScore), cell(r.RiskScore),
			cell(&score), strconv.Itoa(r.Rank), strings.Join(r.Flags, ";"),
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSV writes rows to path ("" means DefaultCSVPath) atomically: into a
// temporary file in the same directory, synced, then renamed over path,
// and the directory synced. A reader (the backend polling the file) sees
// the old file or the new one, never a partial one, and a crash leaves one
// of the two. The directory is created if missing.
func WriteCSV(path string, rows []analytics.IntegratedScore) (err error) {
	if path == "" {
		path = DefaultCSVPath
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := EncodeCSV(tmp, rows); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; the backend reading it is often
	// another user.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The rename survives a power loss once the directory entry is on
	// disk. Some file systems cannot sync a directory; the file is complete
	// and in place either way, so that is not an error.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
