package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// pgNow is the database's clock in Unix seconds.
const pgNow = `extract(epoch FROM clock_timestamp())`

// AcquirePoolSlot implements store.PoolSlots: racing acquirers skip the
// slots others are taking (FOR UPDATE SKIP LOCKED), so none waits on
// another and no slot is given twice.
func (s *Store) AcquirePoolSlot(ctx context.Context, pool string, size int, holder string, ttl time.Duration) (int, bool, error) {
	if err := rowcheck.PoolAcquire(pool, size, holder); err != nil {
		return 0, false, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO pool_slots (pool, slot) SELECT $1, g FROM generate_series(0, $2::int - 1) g
		ON CONFLICT DO NOTHING`, pool, size); err != nil {
		return 0, false, fmt.Errorf("acquire a slot of pool %s: %w", pool, err)
	}
	var slot int
	err := s.pool.QueryRow(ctx, `UPDATE pool_slots SET holder = $3, heartbeat = `+pgNow+`
		WHERE (pool, slot) = (SELECT pool, slot FROM pool_slots WHERE pool = $1 AND slot < $2
			AND (holder = '' OR heartbeat < `+pgNow+` - $4::float8) ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING slot`, pool, size, holder, ttl.Seconds()).Scan(&slot)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("acquire a slot of pool %s: %w", pool, err)
	}
	return slot, true, nil
}

// HeartbeatPoolSlot implements store.PoolSlots.
func (s *Store) HeartbeatPoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE pool_slots SET heartbeat = `+pgNow+` WHERE pool = $1 AND slot = $2 AND holder = $3`, pool, slot, holder)
	if err != nil {
		return fmt.Errorf("heartbeat slot %d of pool %s: %w", slot, pool, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("slot %d of pool %s: %w", slot, pool, store.ErrNotOwner)
	}
	return nil
}

// ReleasePoolSlot implements store.PoolSlots.
func (s *Store) ReleasePoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE pool_slots SET holder = '', heartbeat = 0 WHERE pool = $1 AND slot = $2 AND holder = $3`, pool, slot, holder); err != nil {
		return fmt.Errorf("release slot %d of pool %s: %w", slot, pool, err)
	}
	return nil
}
