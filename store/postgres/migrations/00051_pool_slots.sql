-- Pool slots: task pools shared by every worker on the database
-- (store.PoolSlots; `shared_pools: true`). heartbeat is Unix seconds, on
-- the database's clock; holder '' is a free slot.

-- +goose Up
CREATE TABLE pool_slots (
    pool      text NOT NULL,
    slot      integer NOT NULL CHECK (slot >= 0),
    holder    text NOT NULL DEFAULT '',
    heartbeat double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (pool, slot)
);

-- +goose Down
DROP TABLE pool_slots;
