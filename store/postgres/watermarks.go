package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/store/internal/column"
)

// GetWatermark returns the cursor stored for (source, key); ok is false when
// there is none yet (the collector then starts from its configured origin).
func (s *Store) GetWatermark(ctx context.Context, source, key string) (string, bool, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM watermarks WHERE source = $1 AND key = $2`, source, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("watermark %s/%s: %w", source, key, err)
	}
	return v, true, nil
}

// SetWatermark stores the cursor for (source, key), replacing any earlier one.
func (s *Store) SetWatermark(ctx context.Context, source, key, value string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO watermarks (source, key, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		source, key, column.Text(value), column.Time(time.Now()))
	if err != nil {
		return fmt.Errorf("set watermark %s/%s: %w", source, key, err)
	}
	return nil
}
