DROP INDEX IF EXISTS returns_synced_idx;
