package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// sqliteNow is the database's clock in Unix seconds.
const sqliteNow = `((julianday('now') - 2440587.5) * 86400.0)`

// AcquirePoolSlot implements store.PoolSlots (the single writer serialises
// acquirers).
func (s *Store) AcquirePoolSlot(ctx context.Context, pool string, size int, holder string, ttl time.Duration) (int, bool, error) {
	if err := rowcheck.PoolAcquire(pool, size, holder); err != nil {
		return 0, false, err
	}
	var slot int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range size {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pool_slots (pool, slot) VALUES (?, ?) ON CONFLICT DO NOTHING`, pool, i); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `UPDATE pool_slots SET holder = ?1, heartbeat = `+sqliteNow+`
			WHERE pool = ?2 AND slot = (SELECT slot FROM pool_slots WHERE pool = ?2 AND slot < ?3
				AND (holder = '' OR heartbeat < `+sqliteNow+` - ?4) ORDER BY slot LIMIT 1)
			RETURNING slot`, holder, pool, size, ttl.Seconds()).Scan(&slot)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("acquire a slot of pool %s: %w", pool, err)
	}
	return slot, true, nil
}

// HeartbeatPoolSlot implements store.PoolSlots.
func (s *Store) HeartbeatPoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE pool_slots SET heartbeat = `+sqliteNow+` WHERE pool = ? AND slot = ? AND holder = ?`, pool, slot, holder)
	if err != nil {
		return fmt.Errorf("heartbeat slot %d of pool %s: %w", slot, pool, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("slot %d of pool %s: %w", slot, pool, store.ErrNotOwner)
	}
	return nil
}

// ReleasePoolSlot implements store.PoolSlots.
func (s *Store) ReleasePoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE pool_slots SET holder = '', heartbeat = 0 WHERE pool = ? AND slot = ? AND holder = ?`, pool, slot, holder); err != nil {
		return fmt.Errorf("release slot %d of pool %s: %w", slot, pool, err)
	}
	return nil
}
