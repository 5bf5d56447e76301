package postgres

import (
	"context"
	"fmt"
	"time"

	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// TakeRateToken implements store.RateBudgets in one upsert: the row lock
// of ON CONFLICT DO UPDATE serialises concurrent takers, and
// clock_timestamp() is the one clock they share.
func (s *Store) TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error) {
	if err := rowcheck.RateTake(name, perSecond, burst); err != nil {
		return 0, err
	}
	var tokens float64
	err := s.pool.QueryRow(ctx, `INSERT INTO rate_budgets (name, tokens, updated_at)
		VALUES ($1, $3::float8 - 1, extract(epoch FROM clock_timestamp()))
		ON CONFLICT (name) DO UPDATE SET
			tokens = least($3::float8, rate_budgets.tokens + $2::float8 * greatest(0, excluded.updated_at - rate_budgets.updated_at)) - 1,
			updated_at = greatest(rate_budgets.updated_at, excluded.updated_at)
		RETURNING tokens`, name, perSecond, burst).Scan(&tokens)
	if err != nil {
		return 0, fmt.Errorf("take rate token %s: %w", name, err)
	}
	return store.RateWait(tokens, perSecond), nil
}
