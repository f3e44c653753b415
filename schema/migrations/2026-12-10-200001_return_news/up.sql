-- Return news reads the returns a sync changed (their `synced_at`), not every return of the shop.
CREATE INDEX returns_synced_idx ON returns (account_id, synced_at);
