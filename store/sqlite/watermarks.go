package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"memepipe/store/internal/column"
)

// GetWatermark returns the cursor stored for (source, key); ok is false when
// there is none yet (the collector then starts from its configured origin).
func (s *Store) GetWatermark(ctx context.Context, source, key string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM watermarks WHERE source = ? AND key = ?`, source, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("watermark %s/%s: %w", source, key, err)
	}
	return v, true, nil
}

// SetWatermark stores the cursor for (source, key), replacing any earlier one.
func (s *Store) SetWatermark(ctx context.Context, source, key, value string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO watermarks (source, key, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		source, key, column.Text(value), column.TimeText(time.Now()))
	if err != nil {
		return fmt.Errorf("set watermark %s/%s: %w", source, key, err)
	}
	return nil
}
