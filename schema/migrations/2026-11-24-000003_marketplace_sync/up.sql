-- Marketplace syncs: one sync per account at a time (a lease, so a crashed sync frees itself),
-- what each run did, and which orders can still change (the ones whose status WB is polled for).

ALTER TABLE marketplace_accounts
    ADD COLUMN enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN sync_lease_until TIMESTAMPTZ,
    ADD COLUMN last_synced_at   TIMESTAMPTZ,
    -- Failures in a row, for backing off a failing account without stopping the others.
    ADD COLUMN failures         INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0);

ALTER TABLE sync_runs
    -- Per resource: pages and rows; after a full sync, the consistency check.
    ADD COLUMN details JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object');

ALTER TABLE orders
    -- A terminal status (received, cancelled): such an order no longer changes.
    ADD COLUMN settled BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX orders_open_idx ON orders (account_id, external_id) WHERE NOT settled;
