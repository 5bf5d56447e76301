-- Pool slots: task pools shared by every worker on the database
-- (store.PoolSlots; `shared_pools: true`). heartbeat is Unix seconds as a
-- REAL, on the database's clock; holder '' is a free slot.

-- +goose Up
CREATE TABLE pool_slots (
    pool      TEXT NOT NULL,
    slot      INTEGER NOT NULL CHECK (slot >= 0),
    holder    TEXT NOT NULL DEFAULT '',
    heartbeat REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (pool, slot)
);

-- +goose Down
DROP TABLE pool_slots;
