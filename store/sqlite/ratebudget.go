package sqlite

import (
	"context"
	"fmt"
	"time"

	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// TakeRateToken implements store.RateBudgets in one upsert on the writer
// (SQLite's single writer serialises the takes).
func (s *Store) TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error) {
	if err := rowcheck.RateTake(name, perSecond, burst); err != nil {
		return 0, err
	}
	var tokens float64
	err := s.w.QueryRowContext(ctx, `INSERT INTO rate_budgets (name, tokens, updated_at)
		VALUES (?1, ?3 - 1, (julianday('now') - 2440587.5) * 86400.0)
		ON CONFLICT (name) DO UPDATE SET
			tokens = min(?3, rate_budgets.tokens + ?2 * max(0, excluded.updated_at - rate_budgets.updated_at)) - 1,
			updated_at = max(rate_budgets.updated_at, excluded.updated_at)
		RETURNING tokens`, name, perSecond, float64(burst)).Scan(&tokens)
	if err != nil {
		return 0, fmt.Errorf("take rate token %s: %w", name, err)
	}
	return store.RateWait(tokens, perSecond), nil
}
