DROP INDEX orders_open_idx;
ALTER TABLE orders DROP COLUMN settled;
ALTER TABLE sync_runs DROP COLUMN details;
ALTER TABLE marketplace_accounts
    DROP COLUMN enabled, DROP COLUMN sync_lease_until, DROP COLUMN last_synced_at, DROP COLUMN failures;
